import type { ColumnType, Generated, JSONColumnType, Selectable } from 'kysely';

export type BookStatus = 'draft' | 'published' | 'withdrawn';
export type IngestStatus = 'queued' | 'extracting' | 'indexed' | 'failed';

export interface OutlineNode {
  title: string;
  pageNumber: number | null;
  children: OutlineNode[];
}

export interface CategoriesTable {
  id: Generated<number>;
  slug: string;
  name: string;
  position: Generated<number>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
  // 0014_libraries
  /** The library this row belongs to (set once, at creation). */
  library_id: ColumnType<number, number, never>;
}

/** A stored PDF, content-addressed by SHA-256 so the same file is never stored twice. */
export interface BookFilesTable {
  id: Generated<number>;
  sha256: string;
  size_bytes: number;
  /** Path relative to storage/books (never user-controlled). */
  storage_key: string;
  original_name: string;
  created_at: ColumnType<Date, never, never>;
}

export interface BooksTable {
  id: Generated<number>;
  file_id: number;
  title: string;
  description: Generated<string>;
  language: Generated<string>;
  publication_year: number | null;
  publisher: string | null;
  isbn: string | null;
  tags: Generated<string[]>;
  status: Generated<BookStatus>;
  ingest_status: Generated<IngestStatus>;
  ingest_error: string | null;
  /** True until the search indexes reflect the latest change (the outbox job clears it). */
  index_pending: Generated<boolean>;
  page_count: number | null;
  outline: JSONColumnType<OutlineNode[], string | null, string | null> | null;
  pdf_metadata: JSONColumnType<Record<string, string | null>, string | null, string | null> | null;
  needs_ocr: Generated<boolean>;
  legacy_encoding: string | null;
  has_cover: Generated<boolean>;
  cover_version: Generated<number>;
  created_by: number | null;
  published_at: Date | null;
  withdrawn_at: Date | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
  // 0003_catalogue_extras
  /** Metadata fields a person set (form or import manifest): ingest never overwrites these. */
  edited_fields: Generated<string[]>;
  /** The cover was uploaded by a librarian, so re-ingesting keeps it. */
  cover_custom: Generated<boolean>;
  /** Pages extracted so far, for the progress shown while ingest runs. */
  ingest_progress: Generated<number>;
  textless_pages: Generated<number[]>;
  legacy_pages: Generated<number[]>;
  /** Bumped by every change the search indexes must reflect; the outbox clears index_pending only for the revision it wrote. */
  search_revision: Generated<number>;
  ingested_at: Date | null;
  // 0013_sharing
  /** The PDF's page count, known as soon as extraction opens it (page_count is saved at the end). */
  ingest_total: number | null;
  /** When the current extraction began: with ingest_progress, the rate behind "time left". */
  ingest_started_at: Date | null;
  indexed_at: Date | null;
  // 0012_ocr
  ocr_status: Generated<OcrBookStatus>;
  /** When the current OCR run started, and how many pages were done then (for the time estimate). */
  ocr_started_at: Date | null;
  ocr_finished_at: Date | null;
  ocr_pages_at_start: Generated<number>;
  // 0014_libraries
  /** The owner library: the one that uploaded and published the book (set once, at creation). */
  library_id: ColumnType<number, number, never>;
}

export type OcrBookStatus = 'none' | 'queued' | 'running' | 'done' | 'skipped';
export type PageSource = 'pdf' | 'ocr';
export type PageOcrState = 'pending' | 'done' | 'failed' | 'excluded';

export interface BookPagesTable {
  book_id: number;
  page_number: number;
  /** Unicode text (converted when the page used a legacy Vietnamese font encoding). */
  text: string;
  /** What pdf.js extracted, kept only when `text` is a conversion of it (0003). */
  raw_text: ColumnType<string | null, string | null | undefined, string | null>;
  // 0012_ocr
  source: Generated<PageSource>;
  /** null: the page needs no OCR. */
  ocr_state: ColumnType<PageOcrState | null, PageOcrState | null | undefined, PageOcrState | null>;
  /** tesseract's mean word confidence (0–100) for source 'ocr'. */
  ocr_confidence: ColumnType<number | null, number | null | undefined, number | null>;
  ocr_error: ColumnType<string | null, string | null | undefined, string | null>;
  /** pdf.js could not read this page: why. */
  extract_error: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Old slugs of renamed or merged categories (0003). */
export interface CategoryRedirectsTable {
  /** 0017: a redirect is its category's library's; the slug is unique within that library only. */
  library_id: number;
  slug: string;
  category_id: number;
  created_at: ColumnType<Date, never, never>;
}

export interface AuthorsTable {
  id: Generated<number>;
  name: string;
  slug: string;
  created_at: ColumnType<Date, never, never>;
}

export interface BookAuthorsTable {
  book_id: number;
  author_id: number;
  position: Generated<number>;
}

export interface BookCategoriesTable {
  book_id: number;
  category_id: number;
}

export type Book = Selectable<BooksTable>;
export type Category = Selectable<CategoriesTable>;
export type Author = Selectable<AuthorsTable>;
export type BookFile = Selectable<BookFilesTable>;
