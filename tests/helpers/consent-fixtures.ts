import { createCanvas } from '@napi-rs/canvas';
import type { AppContext } from '../../src/context.ts';
import type { User } from '../../src/db/schema/users.ts';
import type { BookHolderRole, ConsentScope, HolderKind } from '../../src/db/schema/consent.ts';
import { createBook, pagesWith } from './books.ts';
import { tinyPdf } from './tiny-pdf.ts';

/**
 * Consent-feature fixtures: draft books (through tests/helpers/books.ts, straight into the
 * catalogue tables), consents recorded through the real ConsentService, evidence files.
 */

/** A draft, fully ingested book (ready to publish once its basis allows). */
export async function draftBook(ctx: AppContext, title: string, pages = 3): Promise<number> {
  const book = await createBook(ctx, {
    title,
    status: 'draft',
    pages: pagesWith(pages, { 1: `${title}: trang đầu của cuốn sách, có từ khóa ${slugWord(title)}.` }),
  });
  return book.id;
}

/** A word unique to the book, so search assertions can look for it. */
export function slugWord(title: string): string {
  return `tk${title
    .normalize('NFD')
    .replace(/[^a-zA-Z0-9]/g, '')
    .toLowerCase()
    .slice(0, 20)}`;
}

export interface ConsentSpec {
  holder: string;
  kind?: HolderKind;
  role?: BookHolderRole;
  status?: 'granted' | 'pending';
  grantedOn?: string;
  startsOn?: string | null;
  endsOn?: string | null;
  allowDownload?: boolean;
  /** Which libraries may shelve the book (default: this library only). */
  scope?: ConsentScope;
}

/** Records a consent (and the holder, if new) the way the book page's form does. Returns its id. */
export async function recordConsent(ctx: AppContext, bookId: number, spec: ConsentSpec, actor: User | null = null): Promise<number> {
  const status = spec.status ?? 'granted';
  const existing = await ctx.db.selectFrom('rights_holders').select('id').where('name', '=', spec.holder).executeTakeFirst();
  return ctx.services.consent.record(
    bookId,
    {
      rightsHolderId: existing?.id,
      newHolderName: existing ? '' : spec.holder,
      newHolderKind: existing ? '' : (spec.kind ?? 'author'),
      role: spec.role ?? 'author',
      status,
      method: 'letter',
      grantedOn: status === 'granted' ? (spec.grantedOn ?? '2025-01-01') : null,
      startsOn: spec.startsOn ?? null,
      endsOn: spec.endsOn ?? null,
      allowDownload: spec.allowDownload ?? false,
      nonCommercial: true,
      scope: spec.scope ?? 'library',
      territory: '',
      limitsNote: '',
      terms: status === 'granted' ? 'Đồng ý cho Thư viện số chia sẻ miễn phí, phi thương mại.' : '',
    },
    [],
    actor,
  );
}

/** Publishes through the catalogue (which asks the gate) and runs its index sync job now. */
export async function publishAndIndex(ctx: AppContext, bookId: number, actor: User | null = null): Promise<void> {
  await ctx.services.books.publish(bookId, actor);
  await ctx.services.searchIndexer.syncBook(bookId);
}

/** Whether the book still has documents in the two public indexes. */
export async function indexPresence(ctx: AppContext, bookId: number): Promise<{ book: boolean; pages: number }> {
  const books = ctx.search.client.index(ctx.search.indexName('books'));
  const pages = ctx.search.client.index(ctx.search.indexName('pages'));
  const book = await books.getDocument(bookId).then(
    () => true,
    () => false,
  );
  const found = await pages.getDocuments({ filter: `bookId = ${bookId}`, limit: 1000 });
  return { book, pages: found.results.length };
}

export function pngBytes(width = 24, height = 16): Buffer {
  const c = createCanvas(width, height);
  const g = c.getContext('2d');
  g.fillStyle = '#b3261e';
  g.fillRect(0, 0, width, height);
  return c.toBuffer('image/png');
}

export function jpegBytes(width = 24, height = 16): Buffer {
  const c = createCanvas(width, height);
  c.getContext('2d').fillRect(2, 2, 10, 10);
  return c.toBuffer('image/jpeg');
}

/** A one-page letter as a real PDF (pdf.js opens it). */
export function letterPdf(text = 'Toi dong y cho Thu vien so chia se sach mien phi.'): Buffer {
  return tinyPdf({ pages: [text] });
}
