import { sql, type Kysely } from 'kysely';

/**
 * What the catalogue needs beyond 0002: which metadata a person set (so ingest never overwrites
 * it), ingest progress and page flags, a revision counter for the search outbox, the original
 * text of pages converted from legacy Vietnamese encodings, and redirects for renamed categories.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table books
      add column edited_fields text[] not null default '{}',
      add column cover_custom boolean not null default false,
      add column ingest_progress integer not null default 0,
      add column textless_pages integer[] not null default '{}',
      add column legacy_pages integer[] not null default '{}',
      add column search_revision integer not null default 0,
      add column ingested_at timestamptz,
      add column indexed_at timestamptz`.execute(db);
  // The outbox sweep looks only at books whose index is behind.
  await sql`create index books_index_pending_idx on books (id) where index_pending`.execute(db);
  await sql`create index books_created_idx on books (created_at desc, id desc)`.execute(db);

  // `text` holds Unicode (converted when the PDF used TCVN3/VNI fonts); `raw_text` keeps what pdf.js gave.
  await sql`alter table book_pages add column raw_text text`.execute(db);

  // Old slugs of renamed or merged categories keep working (301 to the current one).
  await sql`
    create table category_redirects (
      slug text primary key,
      category_id bigint not null references categories(id) on delete cascade,
      created_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists category_redirects`.execute(db);
  await sql`alter table book_pages drop column if exists raw_text`.execute(db);
  await sql`drop index if exists books_created_idx`.execute(db);
  await sql`drop index if exists books_index_pending_idx`.execute(db);
  await sql`
    alter table books
      drop column if exists edited_fields, drop column if exists cover_custom, drop column if exists ingest_progress,
      drop column if exists textless_pages, drop column if exists legacy_pages, drop column if exists search_revision,
      drop column if exists ingested_at, drop column if exists indexed_at`.execute(db);
}
