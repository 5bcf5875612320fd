import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { AppContext, ContextDeps } from '../../src/context.ts';
import type { OutlineNode } from '../../src/db/schema/catalogue.ts';
import { toBookDocument, toPageDocuments } from '../../src/features/search/search-documents.ts';
import { ensureSearchIndexes, waitOk } from '../../src/features/search/search-settings.ts';
import { slugify } from '../../src/features/public/text.ts';
import { makePdf } from './make-pdf.ts';
import { tinyPdf, type TinyOutline } from './tiny-pdf.ts';

/**
 * Published books for reader-site tests, inserted straight into the catalogue tables (the
 * catalogue's upload/ingest pipeline is tested by its own feature) and pushed to Meilisearch in
 * the documents built by the catalogue's own search-documents.ts.
 */
export interface BookSpec {
  title: string;
  authors?: string[];
  /** Slugs of existing categories (migration 0002 seeds them), e.g. 'van-hoc-viet-nam'. */
  categories?: string[];
  description?: string;
  language?: string;
  year?: number;
  /** Text of each page (what book_pages and the pages index hold). */
  pages: string[];
  outline?: TinyOutline[];
  /** A PDF file to store instead of a generated one (e.g. a corpus book). */
  pdfPath?: string;
  /**
   * Pages weigh this much more (tiny-pdf.ts, balanced page tree, accents folded): for the Range
   * budget. Without it the PDF is made by make-pdf.ts (real Vietnamese text and outline).
   */
  padBytesPerPage?: number;
  status?: 'published' | 'draft' | 'withdrawn';
  publishedAt?: Date;
  withCover?: boolean;
  index?: boolean;
  /** The owner library (default: the default library). */
  libraryId?: number;
}

export interface FixtureBook {
  id: number;
  sha256: string;
  sizeBytes: number;
  pdf: Buffer;
}

// 1×1 images: enough to prove the cover routes serve the right file and type.
const WEBP_1PX = Buffer.from('UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=', 'base64');
const JPEG_1PX = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=',
  'base64',
);

const toOutlineNodes = (items: TinyOutline[] = []): OutlineNode[] =>
  items.map((i) => ({ title: i.title, pageNumber: i.page, children: toOutlineNodes(i.children) }));

export async function createBook(ctx: AppContext, spec: BookSpec): Promise<FixtureBook> {
  const pdf = spec.pdfPath
    ? await fs.readFile(spec.pdfPath)
    : spec.padBytesPerPage
      ? tinyPdf({ title: spec.title, pages: spec.pages, outline: spec.outline, padBytesPerPage: spec.padBytesPerPage })
      : await makePdf({
          pages: spec.pages.map((text) => ({ text: text.split('\n') })),
          outline: spec.outline,
          info: { title: spec.title, author: spec.authors?.join(', ') },
          lang: spec.language ?? 'vi',
        });
  const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
  const key = `${sha256}.pdf`;
  await ctx.storage.write('books', key, pdf);
  const status = spec.status ?? 'published';
  const publishedAt = status === 'draft' ? null : (spec.publishedAt ?? ctx.clock.now());
  const libraryId = spec.libraryId ?? (await ctx.services.libraries.defaultLibrary()).id;
  const id = await ctx.db.transaction().execute(async (trx) => {
    const file = await trx
      .insertInto('book_files')
      .values({ sha256, size_bytes: pdf.length, storage_key: key, original_name: `${slugify(spec.title)}.pdf` })
      .returning('id')
      .executeTakeFirstOrThrow();
    const book = await trx
      .insertInto('books')
      .values({
        library_id: libraryId,
        file_id: file.id,
        title: spec.title,
        description: spec.description ?? '',
        language: spec.language ?? 'vi',
        publication_year: spec.year ?? null,
        publisher: null,
        isbn: null,
        status,
        ingest_status: 'indexed',
        ingest_error: null,
        index_pending: false,
        page_count: spec.pages.length,
        outline: JSON.stringify(toOutlineNodes(spec.outline)),
        pdf_metadata: null,
        legacy_encoding: null,
        has_cover: spec.withCover ?? false,
        cover_version: spec.withCover ? 1 : 0,
        created_by: null,
        published_at: publishedAt,
        withdrawn_at: status === 'withdrawn' ? ctx.clock.now() : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (spec.pages.length) {
      for (let i = 0; i < spec.pages.length; i += 500) {
        await trx
          .insertInto('book_pages')
          .values(spec.pages.slice(i, i + 500).map((text, k) => ({ book_id: book.id, page_number: i + k + 1, text })))
          .execute();
      }
    }
    for (const [position, name] of (spec.authors ?? []).entries()) {
      const slug = slugify(name);
      const author = await trx
        .insertInto('authors')
        .values({ name, slug })
        .onConflict((oc) => oc.column('slug').doUpdateSet({ name }))
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('book_authors').values({ book_id: book.id, author_id: author.id, position }).execute();
    }
    for (const slug of spec.categories ?? []) {
      const cat = await trx
        .selectFrom('categories')
        .select('id')
        .where('slug', '=', slug)
        .where('library_id', '=', libraryId)
        .executeTakeFirstOrThrow();
      await trx.insertInto('book_categories').values({ book_id: book.id, category_id: cat.id }).execute();
    }
    return book.id;
  });
  if (spec.withCover) {
    await ctx.storage.write('covers', `${id}/200.webp`, WEBP_1PX);
    await ctx.storage.write('covers', `${id}/400.webp`, WEBP_1PX);
    await ctx.storage.write('covers', `${id}/200.jpg`, JPEG_1PX);
    await ctx.storage.write('covers', `${id}/400.jpg`, JPEG_1PX);
  }
  if (status === 'published' && spec.index !== false) await indexBook(ctx, id);
  return { id, sha256, sizeBytes: pdf.length, pdf };
}

/** Pushes one published book's documents to both indexes and waits until searchable. */
export async function indexBook(ctx: AppContext, bookId: number): Promise<void> {
  await ensureSearchIndexes(ctx.search);
  const book = await ctx.db.selectFrom('books').selectAll().where('id', '=', bookId).executeTakeFirstOrThrow();
  const authors = await ctx.db
    .selectFrom('book_authors')
    .innerJoin('authors', 'authors.id', 'book_authors.author_id')
    .select(['authors.name', 'authors.slug'])
    .where('book_id', '=', bookId)
    .orderBy('position')
    .execute();
  const categories = await ctx.db
    .selectFrom('book_categories')
    .innerJoin('categories', 'categories.id', 'book_categories.category_id')
    .select(['categories.name', 'categories.slug', 'categories.library_id as libraryId'])
    .where('book_id', '=', bookId)
    .execute();
  const pages = await ctx.db
    .selectFrom('book_pages')
    .select(['page_number', 'text'])
    .where('book_id', '=', bookId)
    .orderBy('page_number')
    .execute();
  const entry = { book, authors, categories, libraryIds: [book.library_id] };
  const client = ctx.search.client;
  await waitOk(client.index(ctx.search.indexName('books')).addDocuments([toBookDocument(entry)], { primaryKey: 'id' }));
  const docs = toPageDocuments(entry, pages);
  if (docs.length) await waitOk(client.index(ctx.search.indexName('pages')).addDocuments(docs, { primaryKey: 'id' }), 120_000);
}

/**
 * Withdraws a book through the catalogue's BooksService (status, audit hook, both indexes at once).
 * `keepInIndex` instead only flips the status, to simulate an index delete still waiting in the outbox.
 */
export async function withdrawBook(ctx: AppContext, bookId: number, opts: { keepInIndex?: boolean } = {}): Promise<void> {
  if (opts.keepInIndex) {
    await ctx.db
      .updateTable('books')
      .set({ status: 'withdrawn', withdrawn_at: ctx.clock.now(), updated_at: ctx.clock.now() })
      .where('id', '=', bookId)
      .execute();
    return;
  }
  await ctx.services.books.withdraw(bookId, null, 'test');
}

/** Vietnamese page text for fixtures: a phrase on a chosen page, filler elsewhere. */
export function pagesWith(
  count: number,
  special: Record<number, string> = {},
  filler = (n: number) => `Trang ${n}. Nội dung sách thường ngày, không có gì đặc biệt ở trang này.`,
): string[] {
  return Array.from({ length: count }, (_, i) => special[i + 1] ?? filler(i + 1));
}

export type SeenEvent = { kind: string; [k: string]: unknown };

/**
 * Statistics events the reader site sends, collected into `seen` by a tap the context is built
 * with (`createTestEnv({ events: eventTap(seen) })`); the real statistics service still stores
 * them (its own tests check what it stores).
 */
export function eventTap(seen: SeenEvent[]): NonNullable<ContextDeps['events']> {
  return { onRecord: (event) => void seen.push(event as SeenEvent) };
}
