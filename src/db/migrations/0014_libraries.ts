import { sql, type Kysely } from 'kysely';

/**
 * A city platform (issue 17): many ward libraries in one install. `libraries` holds them, with
 * exactly one default (served at `/`); `library_staff` says who serves which library in which role;
 * `users.city_role` gives city-wide powers. Every library-owned row gets the library it belongs to.
 *
 * An existing single-library install loses nothing: its one library becomes the default, every
 * existing row is backfilled with it, every account keeps its role in it, and every admin also
 * becomes city admin (so an admin keeps every power they had, e.g. creating accounts).
 *
 * `users.role` stays as a legacy column (made nullable): the code no longer reads it; a later
 * migration may drop it once no install needs to roll back.
 */
const OWNED_TABLES = ['books', 'categories', 'locations', 'book_requests', 'book_imports', 'rights_holders'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table libraries (
      id integer generated always as identity primary key,
      slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$'),
      name text not null check (length(btrim(name)) > 0),
      union_name text not null default '',
      address text not null default '',
      contact text not null default '',
      logo_key text,
      is_default boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  // Exactly one default library: at most one by this index, at least one by the insert below.
  await sql`create unique index libraries_one_default on libraries ((true)) where is_default`.execute(db);
  await sql`insert into libraries (slug, name, is_default) values ('thu-vien', 'Thư viện số', true)`.execute(db);

  await sql`
    create table library_staff (
      library_id integer not null references libraries(id) on delete cascade,
      user_id bigint not null references users(id) on delete cascade,
      role text not null check (role in ('admin', 'librarian', 'leader')),
      created_at timestamptz not null default now(),
      primary key (library_id, user_id)
    )`.execute(db);
  await sql`create index library_staff_user_idx on library_staff (user_id)`.execute(db);
  await sql`
    insert into library_staff (library_id, user_id, role)
    select l.id, u.id, u.role from users u cross join libraries l where l.is_default`.execute(db);

  await sql`alter table users add column city_role text check (city_role in ('city_admin', 'city_leader'))`.execute(db);
  await sql`update users set city_role = 'city_admin' where role = 'admin'`.execute(db);
  await sql`alter table users alter column role drop not null`.execute(db);

  for (const table of OWNED_TABLES) {
    await sql`alter table ${sql.table(table)} add column library_id integer references libraries(id)`.execute(db);
    await sql`update ${sql.table(table)} set library_id = (select id from libraries where is_default)`.execute(db);
    await sql`alter table ${sql.table(table)} alter column library_id set not null`.execute(db);
  }
  await sql`create index books_library_idx on books (library_id, status)`.execute(db);
  await sql`create index locations_library_idx on locations (library_id)`.execute(db);
  await sql`create index book_imports_library_idx on book_imports (library_id, created_at desc)`.execute(db);
  await sql`create index rights_holders_library_idx on rights_holders (library_id)`.execute(db);
  // Category addresses (/the-loai/:slug) and requested-book keys are unique per library, not city-wide.
  await sql`alter table categories drop constraint categories_slug_key`.execute(db);
  await sql`alter table categories add constraint categories_library_slug_key unique (library_id, slug)`.execute(db);
  await sql`alter table book_requests drop constraint book_requests_query_key_key`.execute(db);
  await sql`alter table book_requests add constraint book_requests_library_query_key unique (library_id, query_key)`.execute(db);

  // The audit log is append-only (a trigger refuses updates); the backfill is the one sanctioned
  // exception, made inside this migration's transaction. Null stays allowed: events of no library.
  await sql`alter table audit_log add column library_id integer references libraries(id)`.execute(db);
  await sql`alter table audit_log disable trigger audit_log_no_change`.execute(db);
  await sql`update audit_log set library_id = (select id from libraries where is_default)`.execute(db);
  await sql`alter table audit_log enable trigger audit_log_no_change`.execute(db);
  await sql`create index audit_log_library_idx on audit_log (library_id, id desc)`.execute(db);

  // Search documents gain library_ids (each library's search filters on it): the outbox's catch-up
  // re-indexes every published book marked pending, so an upgraded install's search keeps working.
  await sql`update books set index_pending = true, search_revision = search_revision + 1 where status = 'published'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_log drop column if exists library_id`.execute(db);
  await sql`alter table book_requests drop constraint if exists book_requests_library_query_key`.execute(db);
  await sql`alter table book_requests add constraint book_requests_query_key_key unique (query_key)`.execute(db);
  await sql`alter table categories drop constraint if exists categories_library_slug_key`.execute(db);
  await sql`alter table categories add constraint categories_slug_key unique (slug)`.execute(db);
  for (const table of OWNED_TABLES) await sql`alter table ${sql.table(table)} drop column if exists library_id`.execute(db);
  await sql`update users set role = coalesce(role, 'librarian')`.execute(db);
  await sql`alter table users alter column role set not null`.execute(db);
  await sql`alter table users drop column if exists city_role`.execute(db);
  await sql`drop table if exists library_staff`.execute(db);
  await sql`drop table if exists libraries`.execute(db);
}
