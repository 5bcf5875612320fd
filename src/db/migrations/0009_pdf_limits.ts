import { sql, type Kysely } from 'kysely';

/**
 * ZIP imports run as durable jobs (a 6 MB ZIP of 40 books once held one request for 19 minutes):
 * the request stores the ZIP and answers at once; this row is what the librarian's progress page
 * follows, and what a re-run after a crash resumes from (`outcomes` lists the files already done).
 * (Named after the work package — bounded PDF/ZIP work — it belongs to.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table book_imports (
      id bigint generated always as identity primary key,
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
      original_name text not null,
      zip_key text not null,
      lang text not null default 'vi',
      total integer,
      done integer not null default 0,
      outcomes jsonb not null default '[]'::jsonb,
      error text,
      created_by bigint references users(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index book_imports_created_idx on book_imports (created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists book_imports`.execute(db);
}
