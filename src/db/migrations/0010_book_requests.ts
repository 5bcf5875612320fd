import { sql, type Kysely } from 'kysely';

/**
 * Books readers asked for: searches that found no book and the readers' "Đề xuất sách" form,
 * grouped under one normalised key (case, spacing, diacritics folded). Counters live on the row
 * (like book_open_counts) so the leaders' list is one indexed read, not a scan of raw events.
 * Places are counted per QR location. No personal data is stored: no IP, no name, no contact.
 *
 * A city platform will scope requests to one library: that means adding a library column and
 * widening the unique key to (library, query_key) — nothing here assumes a single library.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table book_requests (
      id bigint generated always as identity primary key,
      query_key text not null unique check (query_key <> '' and length(query_key) <= 200),
      label text not null check (length(label) <= 200),
      searches integer not null default 0,
      suggestions integer not null default 0,
      first_seen_at timestamptz not null,
      last_seen_at timestamptz not null,
      status text not null default 'open' check (status in ('open', 'available', 'dismissed')),
      book_id bigint references books(id) on delete set null,
      resolved_at timestamptz,
      resolved_by bigint references users(id) on delete set null,
      check (status <> 'available' or resolved_at is not null)
    )`.execute(db);
  await sql`create index book_requests_open_idx on book_requests (status, last_seen_at desc)`.execute(db);
  await sql`
    create table book_request_places (
      request_id bigint not null references book_requests(id) on delete cascade,
      location_id bigint not null references locations(id) on delete cascade,
      searches integer not null default 0,
      primary key (request_id, location_id)
    )`.execute(db);
  await sql`
    create table book_request_suggestions (
      id bigint generated always as identity primary key,
      request_id bigint not null references book_requests(id) on delete cascade,
      title text not null check (length(title) between 1 and 200),
      author text not null default '' check (length(author) <= 200),
      note text not null default '' check (length(note) <= 1000),
      created_at timestamptz not null
    )`.execute(db);
  await sql`create index book_request_suggestions_request_idx on book_request_suggestions (request_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists book_request_suggestions`.execute(db);
  await sql`drop table if exists book_request_places`.execute(db);
  await sql`drop table if exists book_requests`.execute(db);
}
