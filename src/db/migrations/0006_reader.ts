import { sql, type Kysely } from 'kysely';

/**
 * How often each book is opened in the reader, for the home page's "popular" list and the OPDS
 * popular feed. A single counter row per book (not raw events): the statistics feature keeps the
 * detailed, time-bucketed record; this is only what the public pages need to sort by.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table book_open_counts (
      book_id bigint primary key references books(id) on delete cascade,
      opens bigint not null default 0,
      last_opened_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index book_open_counts_opens_idx on book_open_counts (opens desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists book_open_counts`.execute(db);
}
