import type { OutlineNode } from '../../db/schema/catalogue.ts';
import { notFound, type AppError } from '../../http/errors.ts';
import type { BookCard, BookRecord, CategoryCount, PublicRepository } from './public.repository.ts';
import { slugify } from './text.ts';

export const PAGE_SIZE = 24;
const HOME_LIST = 12;

export interface TocEntry {
  title: string;
  pageNumber: number | null;
  depth: number;
}

/** Why a withdrawn book is gone (consent feature): its 410 error, or null when a librarian simply withdrew it. */
export interface WithdrawalExplainer {
  goneError(bookId: number): Promise<AppError | null>;
}

/** Rules of the public pages: which book the public may see, what the home page lists, how a table of contents is flattened. */
export class PublicSiteService {
  constructor(
    private readonly repo: PublicRepository,
    private readonly withdrawals: WithdrawalExplainer,
  ) {}

  /**
   * THE single decision "may the public see this book?", used by every public handler that takes a
   * book id (book page, reader, text mode, PDF bytes, covers, in-book search, OPDS entries).
   * Published → the book. Withdrawn because a consent was revoked or expired → 410 Gone, so reading
   * apps and search engines drop it for good. Anything else (draft, withdrawn by a librarian,
   * missing) → 404.
   */
  async publicBook(libraryId: number, id: number): Promise<BookRecord> {
    // Only a book on the shelf of the library in the address: another library's book is a 404 there.
    const book = await this.repo.findBook(libraryId, id);
    if (book?.status === 'published') return book;
    if (book?.status === 'withdrawn') {
      // Consent feature: 410 with a respectful explanation page and Cache-Control: no-store.
      const goneForConsent = await this.withdrawals.goneError(id);
      if (goneForConsent) throw goneForConsent;
    }
    throw notFound();
  }

  /** The same decision for work with no library in an address (pictures rendered ahead): as its owner library shows it. */
  async publicBookOfOwner(id: number): Promise<BookRecord> {
    const owner = await this.repo.ownerLibraryId(id);
    if (owner === undefined) throw notFound();
    return this.publicBook(owner, id);
  }

  async home(libraryId: number): Promise<{ newest: BookCard[]; popular: BookCard[]; categories: CategoryCount[]; total: number }> {
    const [newest, popular, categories, total] = await Promise.all([
      this.repo.newest(libraryId, HOME_LIST),
      this.repo.popular(libraryId, HOME_LIST),
      this.repo.categoriesWithCounts(libraryId),
      this.repo.countPublished(libraryId),
    ]);
    return { newest, popular, categories, total };
  }

  async category(libraryId: number, slug: string, page: number) {
    const category = await this.repo.findCategory(libraryId, slug);
    if (!category) return undefined;
    const { books, total } = await this.repo.inCategory(libraryId, category.id, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    return { category, books, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }

  async author(libraryId: number, slug: string, page: number) {
    const author = await this.repo.findAuthor(slug);
    if (!author) return undefined;
    const { books, total } = await this.repo.byAuthor(libraryId, author.id, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    return { author, books, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }

  /** One page of the newest or most read published books, with the total (OPDS feeds). */
  async listPage(
    libraryId: number,
    order: 'newest' | 'popular',
    limit: number,
    offset: number,
  ): Promise<{ books: BookCard[]; total: number }> {
    const [books, total] = await Promise.all([
      order === 'newest' ? this.repo.newest(libraryId, limit, offset) : this.repo.popular(libraryId, limit, offset),
      this.repo.countPublished(libraryId),
    ]);
    return { books, total };
  }

  /** Published books' cards in the order of `ids` (search results). */
  cardsByIds(libraryId: number, ids: number[]): Promise<BookCard[]> {
    return this.repo.cardsByIds(libraryId, ids);
  }

  categories(libraryId: number): Promise<CategoryCount[]> {
    return this.repo.categoriesWithCounts(libraryId);
  }

  /** The outline as a flat, indented list (deep outlines are capped so a page stays small). */
  toc(book: BookRecord, maxEntries = 400): TocEntry[] {
    const out: TocEntry[] = [];
    const walk = (nodes: OutlineNode[], depth: number) => {
      for (const n of nodes) {
        if (out.length >= maxEntries) return;
        const page = n.pageNumber && book.pageCount && n.pageNumber > book.pageCount ? null : n.pageNumber;
        out.push({ title: n.title, pageNumber: page, depth: Math.min(depth, 4) });
        if (n.children?.length) walk(n.children, depth + 1);
      }
    };
    walk(book.outline, 0);
    return out;
  }
}

/**
 * The same URLs inside one library's site: `linksFor(res.locals.base)` ('' for the library at `/`).
 * Views get this as `links`; code that compares against req.path keeps using the bare `links`.
 */
export function linksFor(base: string): typeof links {
  if (!base) return links;
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(links)) out[name] = (...args: unknown[]) => base + (fn as (...a: unknown[]) => string)(...args);
  return out as typeof links;
}

/** URLs of public pages, shared by views, OPDS and JSON answers. */
export const links = {
  book: (b: { id: number; title: string }) => `/sach/${b.id}-${slugify(b.title) || 'sach'}`,
  // ?trang lets the server open the picture reader at that page (the hash never reaches it); #page is for pdf.js.
  reader: (id: number, page?: number, query?: string) => {
    const params = [page ? `trang=${page}` : '', query ? `q=${encodeURIComponent(query)}` : ''].filter(Boolean).join('&');
    return `/doc/${id}${params ? `?${params}` : ''}${page ? `#page=${page}` : ''}`;
  },
  pagePreview: (id: number) => `/sach/${id}/trang-1.webp`,
  textPage: (id: number, page: number, query?: string) => `/doc/${id}/trang/${page}${query ? `?q=${encodeURIComponent(query)}` : ''}`,
  pdf: (id: number) => `/sach/${id}/tep.pdf`,
  download: (id: number) => `/sach/${id}/tep.pdf?download=1`,
  cover: (b: { id: number; coverVersion: number }, width: 200 | 400, ext: 'webp' | 'jpg') =>
    `/sach/${b.id}/bia-${width}.${ext}?v=${b.coverVersion}`,
  category: (slug: string) => `/the-loai/${encodeURIComponent(slug)}`,
  author: (slug: string) => `/tac-gia/${encodeURIComponent(slug)}`,
  search: (q: string) => `/tim-kiem?q=${encodeURIComponent(q)}`,
};
