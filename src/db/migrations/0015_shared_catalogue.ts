import { sql, type Kysely } from 'kysely';

/**
 * The shared catalogue of a city (issue 17, item 4). A consent now says how far it reaches:
 * 'library' (only the library that recorded it — the default, so every existing consent keeps
 * exactly the reach it had), 'union' (every library of the city union) or 'any_noncommercial'
 * (any non-commercial library). `library_shelves` lists the books another library published that
 * a library put on its own shelf; whether such a book is actually shown is decided at read time
 * by onShelf() (src/features/libraries/shelf.ts), so a revocation needs no clean-up here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table consent_records add column scope text not null default 'library'
      check (scope in ('library', 'union', 'any_noncommercial'))`.execute(db);
  await sql`
    create table library_shelves (
      library_id integer not null references libraries(id) on delete cascade,
      book_id bigint not null references books(id) on delete cascade,
      added_by bigint references users(id) on delete set null,
      added_at timestamptz not null default now(),
      primary key (library_id, book_id)
    )`.execute(db);
  await sql`create index library_shelves_book_idx on library_shelves (book_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists library_shelves`.execute(db);
  await sql`alter table consent_records drop column if exists scope`.execute(db);
}
