import { sql, type Kysely } from 'kysely';

/** Accounts, one-time password links, sessions, login rate limits and the durable job queue. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id bigint generated always as identity primary key,
      email text not null,
      display_name text not null,
      role text not null check (role in ('admin', 'librarian', 'leader')),
      password_hash text,
      disabled_at timestamptz,
      created_via_setup boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_login_at timestamptz
    )`.execute(db);
  await sql`create unique index users_email_key on users (lower(email))`.execute(db);
  // The /setup page may create exactly one administrator, ever: two racing requests cannot both succeed.
  await sql`create unique index users_one_setup_admin on users ((true)) where created_via_setup`.execute(db);

  await sql`
    create table password_tokens (
      id bigint generated always as identity primary key,
      user_id bigint not null references users(id) on delete cascade,
      token_hash text not null unique,
      purpose text not null check (purpose in ('invite', 'reset')),
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);

  // Shape required by connect-pg-simple.
  await sql`
    create table session (
      sid varchar not null primary key,
      sess json not null,
      expire timestamp(6) not null
    )`.execute(db);
  await sql`create index session_expire_idx on session (expire)`.execute(db);

  // Shape required by rate-limiter-flexible's Postgres store.
  await sql`
    create table login_rate_limits (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    )`.execute(db);

  await sql`
    create table jobs (
      id bigint generated always as identity primary key,
      type text not null,
      payload jsonb not null default '{}',
      status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
      priority integer not null default 100,
      attempts integer not null default 0,
      max_attempts integer not null default 5,
      run_at timestamptz not null default now(),
      locked_by text,
      locked_until timestamptz,
      last_error text,
      dedupe_key text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index jobs_ready_idx on jobs (priority, run_at) where status = 'queued'`.execute(db);
  await sql`create index jobs_lease_idx on jobs (locked_until) where status = 'running'`.execute(db);
  await sql`create unique index jobs_dedupe_key on jobs (dedupe_key) where dedupe_key is not null and status in ('queued', 'running')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['jobs', 'login_rate_limits', 'session', 'password_tokens', 'users']) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
