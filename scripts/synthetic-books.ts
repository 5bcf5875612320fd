import crypto from 'node:crypto';
import type { AppContext } from '../src/context.ts';

export interface SyntheticBook {
  /** Unique per book within the benchmark's database: names its (fake) file. */
  key: string;
  title: string;
  description: string;
  pageCount: number;
  year: number;
  publishedAt: Date;
}

/**
 * Benchmark data: published books with their (fake, never read) files, straight into PostgreSQL,
 * in one insert each; returns the columns the search documents are built from.
 */
export async function insertPublishedBooks(ctx: AppContext, libraryId: number, books: SyntheticBook[]) {
  const files = await ctx.db
    .insertInto('book_files')
    .values(
      books.map((b) => ({
        sha256: crypto.createHash('sha256').update(b.key).digest('hex'),
        size_bytes: 1000,
        storage_key: `${b.key}.pdf`,
        original_name: 'x.pdf',
      })),
    )
    .returning('id')
    .execute();
  return ctx.db
    .insertInto('books')
    .values(
      books.map((b, k) => ({
        library_id: libraryId,
        file_id: files[k].id,
        title: b.title,
        description: b.description,
        status: 'published' as const,
        ingest_status: 'indexed' as const,
        ingest_error: null,
        page_count: b.pageCount,
        outline: null,
        pdf_metadata: null,
        legacy_encoding: null,
        publication_year: b.year,
        publisher: null,
        isbn: null,
        created_by: null,
        published_at: b.publishedAt,
        withdrawn_at: null,
      })),
    )
    .returning([
      'id',
      'title',
      'description',
      'language',
      'publication_year',
      'tags',
      'published_at',
      'page_count',
      'has_cover',
      'cover_version',
      'needs_ocr',
    ])
    .execute();
}
