/**
 * What a librarian typed in a book picker (views/partials/book-picker.ejs), resolved to one
 * published book. The picker is a text field with a <datalist> of titles, so it works without
 * JavaScript: a picked entry arrives as "Title · #12", a typed one as a number or part of a title.
 */
export type BookChoice =
  | { kind: 'none' }
  | { kind: 'book'; id: number; title: string }
  /** Not one book: the matches to choose from (possibly none). */
  | { kind: 'choose'; q: string; matches: Array<{ id: number; title: string }> };

export interface BookChoiceDeps {
  /** One library's published books (the library in the address). */
  repo: {
    publishedBookTitle(bookId: number): Promise<string | null>;
    publishedBooksLike(text: string, limit: number): Promise<Array<{ id: number; title: string }>>;
  };
  /** Search-engine title suggestions (accent-insensitive: "truyen kieu" finds "Truyện Kiều"). */
  suggest: (q: string) => Promise<Array<{ id: number; title: string }>>;
}

const MAX_MATCHES = 8;

export async function resolveBookChoice(deps: BookChoiceDeps, input: unknown): Promise<BookChoice> {
  const text = typeof input === 'string' ? input.normalize('NFC').trim().slice(0, 300) : '';
  if (!text) return { kind: 'none' };
  const id = /^#?(\d{1,15})$/.exec(text)?.[1] ?? /·\s*#(\d{1,15})$/.exec(text)?.[1];
  if (id) {
    const title = await deps.repo.publishedBookTitle(Number(id));
    return title ? { kind: 'book', id: Number(id), title } : { kind: 'choose', q: text, matches: [] };
  }
  let matches: Array<{ id: number; title: string }>;
  try {
    matches = (await deps.suggest(text)).slice(0, MAX_MATCHES);
  } catch {
    matches = []; // the search engine is down: the database's plain match below still works
  }
  if (matches.length === 0) matches = await deps.repo.publishedBooksLike(text, MAX_MATCHES);
  const exact = matches.filter((m) => m.title.normalize('NFC').toLocaleLowerCase('vi') === text.toLocaleLowerCase('vi'));
  if (matches.length === 1) return { kind: 'book', ...matches[0] };
  if (exact.length === 1) return { kind: 'book', ...exact[0] };
  return { kind: 'choose', q: text, matches };
}
