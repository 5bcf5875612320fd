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
}

export interface BookPagesTable {
  book_id: number;
  page_number: number;
  text: string;
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
