import { sql, type Kysely } from 'kysely';

/**
 * Old category slugs (0003) were unique for the whole install: with many libraries (0014), one
 * library renaming "van-hoc" made the slug unusable for every other library, and another library
 * renaming its own "van-hoc" would have taken over the first one's redirect. A redirect now belongs
 * to its category's library and is unique there only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table category_redirects add column library_id integer references libraries(id) on delete cascade`.execute(db);
  await sql`
    update category_redirects r set library_id = c.library_id
    from categories c where c.id = r.category_id`.execute(db);
  await sql`alter table category_redirects alter column library_id set not null`.execute(db);
  await sql`alter table category_redirects drop constraint category_redirects_pkey`.execute(db);
  await sql`alter table category_redirects add primary key (library_id, slug)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table category_redirects drop constraint category_redirects_pkey`.execute(db);
  // Back to one slug for the install: keep the newest redirect of each slug.
  await sql`
    delete from category_redirects r using category_redirects newer
    where newer.slug = r.slug and (newer.created_at, newer.library_id) > (r.created_at, r.library_id)`.execute(db);
  await sql`alter table category_redirects add primary key (slug)`.execute(db);
  await sql`alter table category_redirects drop column library_id`.execute(db);
}
