import { sql, type Kysely } from 'kysely';

/**
 * Search documents written before this migration carry a flat `categorySlugs` mixing every
 * library's categories (a shared book filed under the owner's "lich-su" matched library B's
 * "lich-su" filter). They now carry per-library `categoryKeys` and `categoryLinks`
 * (search-documents.ts), which old documents lack: a category filter would miss them and hit cards
 * would show no category. So every published book is re-indexed, through the search outbox
 * (search-indexer.ts): the durable `index_pending` flag with a new `search_revision` (the catch-up
 * loop re-queues flagged books even if the jobs below were lost), and a sync job per book, queued
 * behind the outbox's ordinary work (priority 50) so today's changes are not kept waiting. The new
 * index settings are applied by ensureSearchIndexes before the first sync, as at every start.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update books set index_pending = true, search_revision = search_revision + 1
    where status = 'published'`.execute(db);
  await sql`
    insert into jobs (type, payload, priority, max_attempts, dedupe_key)
    select 'search.sync-book', jsonb_build_object('bookId', id), 90, 1000, 'search-book:' || id
      from books where status = 'published' order by id
    on conflict (dedupe_key) where dedupe_key is not null and status in ('queued', 'running') do nothing`.execute(db);
}

/** Nothing to undo: the documents are rebuilt from PostgreSQL either way. */
export async function down(): Promise<void> {}
