import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.ts';
import { migrateToLatest } from '../../../src/db/migrate.ts';
import { TEST_PASSWORD, signedInAgent } from '../../helpers/auth.ts';
import { databaseAt } from '../../helpers/database-at.ts';
import { createTestEnv } from '../../helpers/test-context.ts';

/**
 * An existing single-library install (schema 0013, before libraries existed) migrated to the
 * city platform keeps everything: books, categories, locations, requests, imports, the consent
 * register (reach: this library only), statistics, the audit log, and every account with its
 * powers — and the app still serves that library at `/` (book, poster code, old category address, admin).
 */
let db: Database;
let url: string;
let drop: () => Promise<void>;
/** What the first test put in the old database, for the second to find through the app. */
const seeded = { adminId: 0, bookId: 0, categoryId: 0 };

beforeAll(async () => {
  ({ db, url, drop } = await databaseAt('0013_sharing', 'tvs_mig'));
});

afterAll(async () => {
  await drop?.();
});

const ids = async (q: string) => (await sql<{ id: number }>`${sql.raw(q)}`.execute(db)).rows.map((r) => Number(r.id));

describe('migration 0014_libraries on an existing single-library database', () => {
  it('keeps every row, gives it the default library, and keeps every account its powers', async () => {
    // A library as it was at 0013: accounts of each role, a published book in a category,
    // a poster location, a requested book, a ZIP import, a rights holder with a granted consent, an audit line.
    const users = await ids(`
      insert into users (email, display_name, role, password_hash) values
        ('admin@x.vn', 'Quản trị', 'admin', 'h'), ('thuthu@x.vn', 'Thủ thư', 'librarian', 'h'), ('bithu@x.vn', 'Bí thư', 'leader', 'h')
      returning id`);
    const [adminId, librarianId, leaderId] = users;
    const [fileId] = await ids(
      `insert into book_files (sha256, size_bytes, storage_key, original_name) values ('${'a'.repeat(64)}', 10, 'a.pdf', 'a.pdf') returning id`,
    );
    const [bookId] = await ids(
      `insert into books (file_id, title, status, published_at, created_by) values (${fileId}, 'Truyện Kiều', 'published', now(), ${librarianId}) returning id`,
    );
    const categoriesBefore = await ids(`select id from categories order by id`);
    expect(categoriesBefore.length).toBeGreaterThan(0);
    await sql`insert into book_categories (book_id, category_id) values (${bookId}, ${categoriesBefore[0]})`.execute(db);
    await sql`insert into category_redirects (slug, category_id) values ('ten-cu', ${categoriesBefore[0]})`.execute(db);
    const [locationId] = await ids(
      `insert into locations (code, name, kind) values ('abcd12', 'Nhà văn hoá tổ 5', 'community_house') returning id`,
    );
    const [requestId] = await ids(
      `insert into book_requests (query_key, label, searches, first_seen_at, last_seen_at) values ('de men', 'Dế Mèn', 3, now(), now()) returning id`,
    );
    const [importId] = await ids(`insert into book_imports (original_name, zip_key) values ('sach.zip', 'x.zip') returning id`);
    const [holderId] = await ids(`insert into rights_holders (name, kind) values ('Nguyễn Du', 'author') returning id`);
    await sql`insert into book_rights_holders (book_id, rights_holder_id, role) values (${bookId}, ${holderId}, 'author')`.execute(db);
    const [consentId] = await ids(
      `insert into consent_records (book_id, rights_holder_id, status, method, granted_on, starts_on, allow_download)
       values (${bookId}, ${holderId}, 'granted', 'letter', '2026-01-01', '2026-01-01', true) returning id`,
    );
    await sql`insert into audit_log (occurred_at, actor_id, entity, entity_id, book_id, action) values (now(), ${adminId}, 'book', ${bookId}, ${bookId}, 'book.published')`.execute(
      db,
    );
    // Its statistics: a poster scan at the location and a book opened, plus a day already rolled up.
    await sql`insert into stats_events (occurred_at, kind, origin, location_id, book_id, is_bot, starts_visit)
      values (now() - interval '1 hour', 'scan', 'qr', ${locationId}, null, false, true),
             (now() - interval '1 hour', 'book_open', 'qr', ${locationId}, ${bookId}, false, false)`.execute(db);
    await sql`insert into stats_daily (day, location_key, visits, scans) values ('2026-03-10', ${locationId}, 12, 5)`.execute(db);

    Object.assign(seeded, { adminId, bookId, categoryId: categoriesBefore[0] });
    expect(await migrateToLatest(db)).toContain('0014_libraries');

    const libraries = await db.selectFrom('libraries').selectAll().execute();
    expect(libraries).toHaveLength(1);
    const [lib] = libraries;
    expect(lib).toMatchObject({ slug: 'thu-vien', name: 'Thư viện số', is_default: true });

    // Every library-owned row now belongs to the default library; nothing was lost.
    const owned = async (table: 'books' | 'categories' | 'locations' | 'book_requests' | 'book_imports' | 'rights_holders') =>
      db.selectFrom(table).select(['id', 'library_id']).orderBy('id').execute();
    expect(await owned('books')).toEqual([{ id: bookId, library_id: lib.id }]);
    expect((await owned('categories')).map((c) => c.id)).toEqual(categoriesBefore);
    expect(new Set((await owned('categories')).map((c) => c.library_id))).toEqual(new Set([lib.id]));
    expect(await owned('locations')).toEqual([{ id: locationId, library_id: lib.id }]);
    expect(await owned('book_requests')).toEqual([{ id: requestId, library_id: lib.id }]);
    expect(await owned('book_imports')).toEqual([{ id: importId, library_id: lib.id }]);
    expect(await owned('rights_holders')).toEqual([{ id: holderId, library_id: lib.id }]);
    const audit = await db.selectFrom('audit_log').select(['action', 'library_id']).execute();
    expect(audit).toEqual([{ action: 'book.published', library_id: lib.id }]);
    const book = await db.selectFrom('books').select(['title', 'status', 'created_by']).where('id', '=', bookId).executeTakeFirstOrThrow();
    expect(book).toEqual({ title: 'Truyện Kiều', status: 'published', created_by: librarianId });
    expect(await db.selectFrom('book_categories').selectAll().execute()).toEqual([{ book_id: bookId, category_id: categoriesBefore[0] }]);
    // An old category address stays, now in its category's library (0017).
    expect(await db.selectFrom('category_redirects').select(['slug', 'category_id', 'library_id']).execute()).toEqual([
      { slug: 'ten-cu', category_id: categoriesBefore[0], library_id: lib.id },
    ]);
    // The consent keeps its terms, and its reach stays this library only (0015): nothing is shared by the upgrade.
    const consent = await db.selectFrom('consent_records').select(['id', 'status', 'allow_download', 'scope']).execute();
    expect(consent).toEqual([{ id: consentId, status: 'granted', allow_download: true, scope: 'library' }]);
    expect(await db.selectFrom('library_shelves').selectAll().execute()).toEqual([]);
    // The statistics belong to the default library (0016), every figure kept.
    const events = await db.selectFrom('stats_events').select(['kind', 'library_id', 'location_id']).orderBy('id').execute();
    expect(events).toEqual([
      { kind: 'scan', library_id: lib.id, location_id: locationId },
      { kind: 'book_open', library_id: lib.id, location_id: locationId },
    ]);
    expect(await db.selectFrom('stats_daily').select(['library_id', 'day', 'visits', 'scans']).execute()).toEqual([
      { library_id: lib.id, day: expect.anything(), visits: 12, scans: 5 },
    ]);
    const poster = await db.selectFrom('locations').select('code').where('id', '=', locationId).executeTakeFirstOrThrow();
    expect(poster.code).toBe('abcd12'); // printed posters keep working

    // Every account keeps its role in the library; the admin is also city admin (accounts, libraries).
    const staff = await db.selectFrom('library_staff').select(['library_id', 'user_id', 'role']).orderBy('user_id').execute();
    expect(staff).toEqual([
      { library_id: lib.id, user_id: adminId, role: 'admin' },
      { library_id: lib.id, user_id: librarianId, role: 'librarian' },
      { library_id: lib.id, user_id: leaderId, role: 'leader' },
    ]);
    const cityRoles = await db.selectFrom('users').select(['id', 'city_role']).orderBy('id').execute();
    expect(cityRoles).toEqual([
      { id: adminId, city_role: 'city_admin' },
      { id: librarianId, city_role: null },
      { id: leaderId, city_role: null },
    ]);

    // The audit log stays append-only after the one sanctioned backfill.
    await expect(sql`update audit_log set reason = 'x'`.execute(db)).rejects.toThrow(/append-only/);
    // Category slugs are now unique per library, not city-wide.
    const slug = (await db.selectFrom('categories').select('slug').limit(1).executeTakeFirstOrThrow()).slug;
    const other = await db
      .insertInto('libraries')
      .values({ slug: 'phuong-1', name: 'Phường 1', logo_key: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('categories').values({ library_id: other.id, slug, name: 'Bản sao' }).execute();
    await expect(db.insertInto('categories').values({ library_id: other.id, slug, name: 'Trùng' }).execute()).rejects.toThrow(
      /categories_library_slug_key/,
    );
    // A second default library is refused by the database itself.
    await expect(db.updateTable('libraries').set({ is_default: true }).where('id', '=', other.id).execute()).rejects.toThrow(
      /libraries_one_default/,
    );
  });

  it('still serves the library at /: its book, its old category address, its poster code and its admin', async () => {
    expect(seeded.bookId).toBeGreaterThan(0); // the first test filled and migrated the database
    const env = await createTestEnv({ databaseUrl: url });
    try {
      const home = await request(env.app).get('/').expect(200);
      expect(home.text).toContain('Truyện Kiều');
      expect(home.text).toContain('Thư viện số');
      const book = await request(env.app).get(`/sach/${seeded.bookId}`).redirects(1).expect(200);
      expect(book.text).toContain('Truyện Kiều');
      // The printed poster still leads into the library at `/`.
      const scan = await request(env.app).get('/q/abcd12').expect(302);
      expect(scan.headers.location).toBe('/');
      // The old category address still redirects to the category's current one.
      const { slug } = await db.selectFrom('categories').select('slug').where('id', '=', seeded.categoryId).executeTakeFirstOrThrow();
      const moved = await request(env.app).get('/the-loai/ten-cu');
      expect([301, 308]).toContain(moved.status);
      expect(moved.headers.location).toBe(`/the-loai/${encodeURIComponent(slug)}`);
      // The admin signs in as before, lands on the library's admin, and may now open the city pages.
      await env.ctx.services.users.setPassword(seeded.adminId, TEST_PASSWORD);
      const { agent } = await signedInAgent(env.app, 'admin@x.vn');
      const locations = await agent.get('/admin/locations').expect(200);
      expect(locations.text).toContain('Nhà văn hoá tổ 5');
      await agent.get('/thanh-pho').expect(200);
    } finally {
      await env.cleanup();
    }
  });
});
