import { sql } from 'kysely';
import { onShelf } from '../libraries/shelf.ts';
import type { Database } from '../../db/database.ts';
import type { BookRequestStatus } from '../../db/schema/book-requests.ts';

export interface RequestRow {
  id: number;
  queryKey: string;
  label: string;
  searches: number;
  suggestions: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  status: BookRequestStatus;
  bookId: number | null;
  bookTitle: string | null;
  places: Array<{ name: string; searches: number }>;
  /** The latest suggestions' author and note, as readers typed them. */
  notes: Array<{ author: string; note: string }>;
}

/** All SQL of the readers' book requests (migration 0010). */
export class BookRequestsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Counts one search or suggestion under `key`; a request already marked available or dismissed
   * stops counting. Returns the request id when it counted, else null.
   */
  async bump(
    libraryId: number,
    key: string,
    label: string,
    at: Date,
    kind: 'searches' | 'suggestions',
    trx: Database = this.db,
  ): Promise<number | null> {
    const row = await trx
      .insertInto('book_requests')
      .values({ library_id: libraryId, query_key: key, label, [kind]: 1, first_seen_at: at, last_seen_at: at })
      .onConflict((oc) =>
        oc
          .columns(['library_id', 'query_key'])
          .doUpdateSet({ [kind]: sql`book_requests.${sql.ref(kind)} + 1`, last_seen_at: sql`greatest(book_requests.last_seen_at, ${at})` })
          .where('book_requests.status', '=', 'open'),
      )
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /** One more search from the QR location with this code (unknown codes, or another library's, are ignored). */
  async bumpPlace(requestId: number, locationCode: string): Promise<void> {
    await sql`
      insert into book_request_places (request_id, location_id, searches)
      select ${requestId}, l.id, 1 from locations l join book_requests r on r.id = ${requestId} and r.library_id = l.library_id
      where l.code = ${locationCode}
      on conflict (request_id, location_id) do update set searches = book_request_places.searches + 1`.execute(this.db);
  }

  async addSuggestion(requestId: number, s: { title: string; author: string; note: string }, at: Date, trx: Database): Promise<void> {
    await trx
      .insertInto('book_request_suggestions')
      .values({ request_id: requestId, title: s.title, author: s.author, note: s.note, created_at: at })
      .execute();
  }

  /** Requests with this status, most asked first (searches and suggestions alike). */
  async list(libraryId: number, status: BookRequestStatus, limit: number): Promise<RequestRow[]> {
    const rows = await this.db
      .selectFrom('book_requests as r')
      .leftJoin('books as b', 'b.id', 'r.book_id')
      .where('r.library_id', '=', libraryId)
      .where('r.status', '=', status)
      .select([
        'r.id',
        'r.query_key',
        'r.label',
        'r.searches',
        'r.suggestions',
        'r.first_seen_at',
        'r.last_seen_at',
        'r.status',
        'r.book_id',
        'b.title as book_title',
      ])
      .select((eb) => [
        sql<Array<{ name: string; searches: number }>>`coalesce((
          select json_agg(json_build_object('name', l.name, 'searches', p.searches) order by p.searches desc, l.name)
          from book_request_places p join locations l on l.id = p.location_id where p.request_id = ${eb.ref('r.id')}), '[]')`.as('places'),
        sql<Array<{ author: string; note: string }>>`coalesce((
          select json_agg(json_build_object('author', s.author, 'note', s.note))
          from (select author, note from book_request_suggestions where request_id = ${eb.ref('r.id')}
                and (author <> '' or note <> '') order by created_at desc limit 3) s), '[]')`.as('notes'),
      ])
      .orderBy(sql`r.searches + r.suggestions`, 'desc')
      .orderBy('r.last_seen_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      queryKey: r.query_key,
      label: r.label,
      searches: r.searches,
      suggestions: r.suggestions,
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
      status: r.status,
      bookId: r.book_id === null ? null : Number(r.book_id),
      bookTitle: r.book_title ?? null,
      places: r.places,
      notes: r.notes,
    }));
  }

  /** Closes an open or dismissed request; false when it does not exist. */
  async resolve(
    libraryId: number,
    id: number,
    status: 'available' | 'dismissed',
    bookId: number | null,
    by: number,
    at: Date,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('book_requests')
      .set({ status, book_id: bookId, resolved_by: by, resolved_at: at })
      .where('id', '=', id)
      .where('library_id', '=', libraryId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Whether the book is on the library's shelf (a request is answered with a book readers there can find). */
  async bookOnShelf(libraryId: number, bookId: number): Promise<boolean> {
    return !!(await this.db.selectFrom('books').select('id').where('id', '=', bookId).where(onShelf(libraryId)).executeTakeFirst());
  }
}
