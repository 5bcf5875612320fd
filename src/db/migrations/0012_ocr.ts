import { sql, type Kysely } from 'kysely';

/**
 * OCR of scanned and undecodable pages (issue 15), and pages that failed to parse.
 *  - book_pages.source: where `text` came from ('pdf' = the text layer, 'ocr' = recognised).
 *  - book_pages.ocr_state: null = no OCR needed; pending → done / failed, or excluded by a librarian.
 *    One row per page, so the OCR job resumes page by page after a restart.
 *  - book_pages.extract_error: why pdf.js could not read the page (circular page tree, broken
 *    stream); such a page is no longer stored like a blank one.
 *  - books.ocr_status and the timestamps drive the librarian's progress line and time estimate;
 *    ocr_skipped keeps a book out of OCR until someone runs it again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table book_pages
      add column source text not null default 'pdf' check (source in ('pdf', 'ocr')),
      add column ocr_state text check (ocr_state in ('pending', 'done', 'failed', 'excluded')),
      add column ocr_confidence real,
      add column ocr_error text,
      add column extract_error text`.execute(db);
  await sql`create index book_pages_ocr_pending_idx on book_pages (book_id, page_number) where ocr_state = 'pending'`.execute(db);
  await sql`
    alter table books
      add column ocr_status text not null default 'none' check (ocr_status in ('none', 'queued', 'running', 'done', 'skipped')),
      add column ocr_started_at timestamptz,
      add column ocr_finished_at timestamptz,
      add column ocr_pages_at_start integer not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table books drop column if exists ocr_status, drop column if exists ocr_started_at,
      drop column if exists ocr_finished_at, drop column if exists ocr_pages_at_start`.execute(db);
  await sql`drop index if exists book_pages_ocr_pending_idx`.execute(db);
  await sql`
    alter table book_pages drop column if exists source, drop column if exists ocr_state, drop column if exists ocr_confidence,
      drop column if exists ocr_error, drop column if exists extract_error`.execute(db);
}
