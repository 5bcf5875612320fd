import { sql, type Kysely } from 'kysely';

/**
 * Rights holders, the books they must consent for, consent records with evidence files, the
 * public-domain / open-licence alternative, takedown markers and the append-only audit log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table rights_holders (
      id bigint generated always as identity primary key,
      name text not null check (length(btrim(name)) > 0),
      kind text not null check (kind in ('author', 'heir', 'publisher', 'translator', 'organisation')),
      phone text not null default '',
      email text not null default '',
      zalo text not null default '',
      address text not null default '',
      notes text not null default '',
      created_by bigint references users(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index rights_holders_name_idx on rights_holders (lower(name))`.execute(db);

  // Who must consent before a book may be published on the basis of consent.
  await sql`
    create table book_rights_holders (
      book_id bigint not null references books(id) on delete cascade,
      rights_holder_id bigint not null references rights_holders(id) on delete restrict,
      role text not null check (role in ('author', 'translator', 'publisher', 'heir', 'illustrator', 'other')),
      created_at timestamptz not null default now(),
      primary key (book_id, rights_holder_id)
    )`.execute(db);
  await sql`create index book_rights_holders_holder_idx on book_rights_holders (rights_holder_id)`.execute(db);

  // No row means "consent" (the usual case); a row records public domain or an open licence.
  await sql`
    create table book_rights_basis (
      book_id bigint primary key references books(id) on delete cascade,
      basis text not null check (basis in ('consent', 'public_domain', 'open_licence')),
      note text not null default '',
      licence_name text,
      licence_url text,
      allow_download boolean not null default true,
      updated_by bigint references users(id) on delete set null,
      updated_at timestamptz not null default now(),
      check (basis <> 'public_domain' or length(btrim(note)) > 0),
      check (basis <> 'open_licence' or length(btrim(coalesce(licence_name, ''))) > 0)
    )`.execute(db);

  await sql`
    create table consent_records (
      id bigint generated always as identity primary key,
      book_id bigint not null references books(id) on delete cascade,
      rights_holder_id bigint not null references rights_holders(id) on delete restrict,
      status text not null default 'pending' check (status in ('pending', 'granted', 'revoked', 'expired')),
      method text not null check (method in ('letter', 'email', 'message', 'in_person', 'other')),
      granted_on date,
      starts_on date,
      ends_on date,
      allow_download boolean not null default false,
      non_commercial boolean not null default true,
      territory text not null default '',
      limits_note text not null default '',
      terms text not null default '',
      recorded_by bigint references users(id) on delete set null,
      revoked_at timestamptz,
      revoked_by bigint references users(id) on delete set null,
      revoked_reason text,
      expired_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (status = 'pending' or (granted_on is not null and starts_on is not null)),
      check (ends_on is null or starts_on is null or ends_on >= starts_on),
      check (status <> 'revoked' or (revoked_at is not null and length(btrim(coalesce(revoked_reason, ''))) > 0))
    )`.execute(db);
  await sql`create index consent_records_book_idx on consent_records (book_id, rights_holder_id)`.execute(db);
  await sql`create index consent_records_holder_idx on consent_records (rights_holder_id)`.execute(db);
  await sql`create index consent_records_ends_idx on consent_records (ends_on) where status = 'granted'`.execute(db);

  await sql`
    create table consent_evidence (
      id bigint generated always as identity primary key,
      consent_id bigint not null references consent_records(id) on delete cascade,
      sha256 text not null,
      storage_key text not null,
      mime_type text not null check (mime_type in ('application/pdf', 'image/jpeg', 'image/png')),
      size_bytes bigint not null,
      original_name text not null,
      uploaded_by bigint references users(id) on delete set null,
      created_at timestamptz not null default now(),
      unique (consent_id, sha256)
    )`.execute(db);

  // Set when a revoked/expired consent took a published book down: the reader site answers 410.
  await sql`
    create table book_takedowns (
      book_id bigint primary key references books(id) on delete cascade,
      cause text not null check (cause in ('revoked', 'expired')),
      consent_id bigint references consent_records(id) on delete set null,
      taken_down_at timestamptz not null,
      withdrawn_at timestamptz
    )`.execute(db);

  // No foreign keys: the history must outlive the books, consents and accounts it mentions.
  await sql`
    create table audit_log (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null,
      actor_id bigint,
      actor_name text,
      entity text not null,
      entity_id bigint,
      book_id bigint,
      action text not null,
      before jsonb,
      after jsonb,
      reason text
    )`.execute(db);
  await sql`create index audit_log_book_idx on audit_log (book_id, id desc)`.execute(db);
  await sql`create index audit_log_entity_idx on audit_log (entity, entity_id, id desc)`.execute(db);
  await sql`create index audit_log_time_idx on audit_log (occurred_at desc)`.execute(db);

  // Append-only, enforced by the database itself and not only by the absence of edit routes.
  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger audit_log_no_change before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(
    db,
  );
  await sql`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only()`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists audit_log`.execute(db);
  await sql`drop function if exists audit_log_append_only()`.execute(db);
  for (const t of ['book_takedowns', 'consent_evidence', 'consent_records', 'book_rights_basis', 'book_rights_holders', 'rights_holders']) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
