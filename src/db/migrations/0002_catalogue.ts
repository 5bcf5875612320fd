import { sql, type Kysely } from 'kysely';

const SEED_CATEGORIES: Array<[slug: string, name: string]> = [
  ['van-hoc-viet-nam', 'Văn học Việt Nam'],
  ['van-hoc-nuoc-ngoai', 'Văn học nước ngoài'],
  ['lich-su', 'Lịch sử'],
  ['khoa-hoc', 'Khoa học'],
  ['tu-tuong-ho-chi-minh', 'Tư tưởng Hồ Chí Minh'],
  ['truyen-tranh', 'Truyện tranh'],
  ['dia-ly', 'Địa lý'],
  ['y-hoc', 'Y học'],
  ['the-thao', 'Thể thao'],
  ['ky-nang-song', 'Kỹ năng sống'],
  ['thieu-nhi', 'Thiếu nhi'],
];

/** Books, their PDF files, per-page text, authors, categories and tags. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table categories (
      id bigint generated always as identity primary key,
      slug text not null unique,
      name text not null,
      position integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  let position = 10;
  for (const [slug, name] of SEED_CATEGORIES) {
    await sql`insert into categories (slug, name, position) values (${slug}, ${name}, ${position})`.execute(db);
    position += 10;
  }

  await sql`
    create table book_files (
      id bigint generated always as identity primary key,
      sha256 text not null unique,
      size_bytes bigint not null,
      storage_key text not null unique,
      original_name text not null,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table books (
      id bigint generated always as identity primary key,
      file_id bigint not null unique references book_files(id),
      title text not null,
      description text not null default '',
      language text not null default 'vi',
      publication_year integer,
      publisher text,
      isbn text,
      tags text[] not null default '{}',
      status text not null default 'draft' check (status in ('draft', 'published', 'withdrawn')),
      ingest_status text not null default 'queued' check (ingest_status in ('queued', 'extracting', 'indexed', 'failed')),
      ingest_error text,
      index_pending boolean not null default true,
      page_count integer,
      outline jsonb,
      pdf_metadata jsonb,
      needs_ocr boolean not null default false,
      legacy_encoding text,
      has_cover boolean not null default false,
      cover_version integer not null default 0,
      created_by bigint references users(id) on delete set null,
      published_at timestamptz,
      withdrawn_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index books_status_idx on books (status, published_at desc)`.execute(db);

  await sql`
    create table book_pages (
      book_id bigint not null references books(id) on delete cascade,
      page_number integer not null,
      text text not null,
      primary key (book_id, page_number)
    )`.execute(db);

  await sql`
    create table authors (
      id bigint generated always as identity primary key,
      name text not null,
      slug text not null unique,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table book_authors (
      book_id bigint not null references books(id) on delete cascade,
      author_id bigint not null references authors(id) on delete cascade,
      position integer not null default 0,
      primary key (book_id, author_id)
    )`.execute(db);
  await sql`create index book_authors_author_idx on book_authors (author_id)`.execute(db);

  await sql`
    create table book_categories (
      book_id bigint not null references books(id) on delete cascade,
      category_id bigint not null references categories(id) on delete cascade,
      primary key (book_id, category_id)
    )`.execute(db);
  await sql`create index book_categories_category_idx on book_categories (category_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['book_categories', 'book_authors', 'authors', 'book_pages', 'books', 'book_files', 'categories']) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
