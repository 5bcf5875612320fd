import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.ts';
import { migrateToLatest } from '../../../src/db/migrate.ts';
import { SYNC_BOOK_JOB } from '../../../src/features/search/search-indexer.ts';
import { databaseAt } from '../../helpers/database-at.ts';

/**
 * An install at 0017 has search documents without per-library category keys: 0018 must leave
 * every published book (and only those) durably waiting for a re-index — flagged and queued once.
 */
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, drop } = await databaseAt('0017_category_redirects_per_library', 'tvs_mig18'));
});
afterAll(async () => {
  await drop?.();
});

describe('migration 0018_search_category_keys', () => {
  it('flags every published book for re-indexing with a new revision and queues one sync job each', async () => {
    const insertBook = async (n: number, status: string) => {
      const file = await sql<{ id: number }>`
        insert into book_files (sha256, size_bytes, storage_key, original_name)
        values (${String(n).repeat(64).slice(0, 64)}, 10, ${`${n}.pdf`}, ${`${n}.pdf`}) returning id`.execute(db);
      const book = await sql<{ id: number }>`
        insert into books (library_id, file_id, title, status, published_at, index_pending)
        values (1, ${file.rows[0].id}, ${`Sách ${n}`}, ${status}, now(), false) returning id`.execute(db);
      return Number(book.rows[0].id);
    };
    const a = await insertBook(1, 'published');
    const b = await insertBook(2, 'published');
    const draft = await insertBook(3, 'draft');
    const withdrawn = await insertBook(4, 'withdrawn');
    // A sync already queued for b (a change just made): not queued twice.
    await sql`insert into jobs (type, payload, dedupe_key, priority, max_attempts)
      values (${SYNC_BOOK_JOB}, ${JSON.stringify({ bookId: b })}, ${`search-book:${b}`}, 50, 1000)`.execute(db);
    const before = await db.selectFrom('books').select(['id', 'search_revision']).orderBy('id').execute();

    expect(await migrateToLatest(db)).toContain('0018_search_category_keys');

    const after = await db.selectFrom('books').select(['id', 'index_pending', 'search_revision']).orderBy('id').execute();
    const revision = (id: number) => before.find((r) => r.id === id)!.search_revision;
    expect(after).toEqual([
      { id: a, index_pending: true, search_revision: revision(a) + 1 },
      { id: b, index_pending: true, search_revision: revision(b) + 1 },
      { id: draft, index_pending: false, search_revision: revision(draft) },
      { id: withdrawn, index_pending: false, search_revision: revision(withdrawn) },
    ]);
    const jobs = await db
      .selectFrom('jobs')
      .select(['type', 'payload', 'dedupe_key', 'status', 'max_attempts'])
      .where('type', '=', SYNC_BOOK_JOB)
      .orderBy('id')
      .execute();
    expect(jobs).toEqual([
      { type: SYNC_BOOK_JOB, payload: { bookId: b }, dedupe_key: `search-book:${b}`, status: 'queued', max_attempts: 1000 },
      { type: SYNC_BOOK_JOB, payload: { bookId: a }, dedupe_key: `search-book:${a}`, status: 'queued', max_attempts: 1000 },
    ]);
  });
});
