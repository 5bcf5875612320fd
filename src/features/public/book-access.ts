import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import type { BookRecord } from './public.repository.ts';

/**
 * THE single decision "may the public see this book?", used by every public handler that takes a
 * book id (book page, reader, text mode, PDF bytes, covers, in-book search, OPDS entries).
 * Published → the book. Withdrawn because a consent was revoked or expired → 410 Gone, so reading
 * apps and search engines drop it for good. Anything else (draft, withdrawn by a librarian,
 * missing) → 404.
 */
export async function resolvePublicBook(ctx: AppContext, library: { id: number }, id: number): Promise<BookRecord> {
  // Only a book on the shelf of the library in the address: another library's book is a 404 here.
  const book = await ctx.repos.publicBooks.findBook(library.id, id);
  if (book?.status === 'published') return book;
  if (book?.status === 'withdrawn') {
    // Consent feature: 410 with a respectful explanation page and Cache-Control: no-store.
    const goneForConsent = await ctx.services.takedowns.goneError(id);
    if (goneForConsent) throw goneForConsent;
  }
  throw notFound();
}

/** Parses "12" or "12-truyen-kieu" (the slug is decoration for people and link previews). */
export function bookIdFrom(param: unknown): number {
  const m = typeof param === 'string' ? /^(\d{1,12})(?:-[a-z0-9-]*)?$/.exec(param) : null;
  if (!m) throw notFound();
  return Number(m[1]);
}
