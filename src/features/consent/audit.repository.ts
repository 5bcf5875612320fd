import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { AuditEntry } from '../../db/schema/consent.ts';

export interface NewAuditEntry {
  occurred_at: Date;
  actor_id: number | null;
  actor_name: string | null;
  entity: string;
  entity_id: number | null;
  book_id: number | null;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string | null;
  /** The library the event happened in (shared-catalogue shelving); absent: none recorded. */
  library_id?: number | null;
}

export interface AuditFilter {
  /** One library's log (the admin page always sets it); unset only for tools reading the whole install. */
  libraryId?: number;
  entity?: string;
  entityId?: number;
  action?: string;
  bookId?: number;
  actorId?: number;
  /** Inclusive instants. */
  from?: Date;
  until?: Date;
  /** Keyset paging: entries older than this id. */
  beforeId?: number;
  limit: number;
}

/** The append-only audit log: insert and read, nothing else (the database refuses the rest). */
export class AuditRepository {
  constructor(private readonly db: Database) {}

  async insert(entry: NewAuditEntry, db: Database = this.db): Promise<void> {
    await db
      .insertInto('audit_log')
      .values({
        ...entry,
        // The library the event belongs to: the one named (a library shelving another's book), else
        // the book's, else the rights holder's (null: accounts, the city).
        library_id:
          entry.library_id !== undefined
            ? entry.library_id
            : entry.book_id
              ? sql<number>`(select library_id from books where id = ${entry.book_id})`
              : entry.entity === 'rights_holder' && entry.entity_id
                ? sql<number>`(select library_id from rights_holders where id = ${entry.entity_id})`
                : null,
        before: entry.before ? JSON.stringify(entry.before) : null,
        after: entry.after ? JSON.stringify(entry.after) : null,
      })
      .execute();
  }

  list(filter: AuditFilter): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.libraryId !== undefined) q = q.where('library_id', '=', filter.libraryId);
    if (filter.entity) q = q.where('entity', '=', filter.entity);
    if (filter.entityId) q = q.where('entity_id', '=', filter.entityId);
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.bookId) q = q.where('book_id', '=', filter.bookId);
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    if (filter.from) q = q.where('occurred_at', '>=', filter.from);
    if (filter.until) q = q.where('occurred_at', '<=', filter.until);
    if (filter.beforeId) q = q.where('id', '<', filter.beforeId);
    return q.execute();
  }

  /** The distinct actions and actors seen, for the filter drop-downs. */
  async facets(): Promise<{
    actions: string[];
    entities: string[];
    actors: Array<{ id: number; name: string }>;
    books: Array<{ id: number; title: string | null }>;
  }> {
    const [actions, entities, actors, books] = await Promise.all([
      this.db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute(),
      this.db.selectFrom('audit_log').select('entity').distinct().orderBy('entity').execute(),
      this.db
        .selectFrom('audit_log')
        .select(['actor_id', sql<string>`max(actor_name)`.as('name')])
        .where('actor_id', 'is not', null)
        .groupBy('actor_id')
        .orderBy('name')
        .execute(),
      // The book filter's picker: books the log mentions (a deleted book keeps its number, without a title).
      this.db
        .selectFrom('audit_log')
        .leftJoin('books', 'books.id', 'audit_log.book_id')
        .select(['audit_log.book_id', sql<string | null>`max(books.title)`.as('title')])
        .where('audit_log.book_id', 'is not', null)
        .groupBy('audit_log.book_id')
        .orderBy('title')
        .limit(1000)
        .execute(),
    ]);
    return {
      actions: actions.map((a) => a.action),
      entities: entities.map((e) => e.entity),
      actors: actors.map((a) => ({ id: a.actor_id as number, name: a.name })),
      books: books.map((b) => ({ id: b.book_id as number, title: b.title })),
    };
  }

  /** Display name of an account, captured in each entry so the log reads the same after renames. */
  async actorName(userId: number): Promise<string | null> {
    const row = await this.db.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
    return row?.display_name ?? null;
  }
}
