import { sql, type Kysely } from 'kysely';

/**
 * Privacy (issue 10).
 * - login_rate_limits: keys are now HMACs of the address and email under the daily salt; rows
 *   written before held raw IP addresses and emails, and are dropped (at worst a running
 *   15-minute sign-in block is lifted early).
 * - reading_credits: which pages of a book each visitor has been counted for today, so a "pages
 *   read" beacon counts a page once per visitor and day, never more pages than the book has. The
 *   visitor is the daily hash (salt deleted after the day); past days' rows are deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from login_rate_limits`.execute(db);
  await sql`
    create table reading_credits (
      day date not null,
      visitor bytea not null,
      book_id bigint not null references books(id) on delete cascade,
      pages integer[] not null default '{}',
      counted integer not null default 0 check (counted >= 0),
      primary key (day, visitor, book_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists reading_credits`.execute(db);
}
