import { sql, type Kysely } from 'kysely';

/**
 * Ingest progress a librarian can read: "120 / 400 trang, còn khoảng 2 phút". ingest_progress
 * (0003) counts pages done; the total is known as soon as pdf.js opens the file, long before
 * page_count is saved at the end, and the start time gives the rate for the time left.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table books add column ingest_total integer, add column ingest_started_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table books drop column if exists ingest_total, drop column if exists ingest_started_at`.execute(db);
}
