import type { Database } from '../../db/database.ts';
import { onShelf } from '../libraries/shelf.ts';
import type { Location, LocationKind } from '../../db/schema/locations.ts';

export interface LocationFields {
  name: string;
  kind: LocationKind;
  address: string;
  ward: string;
  note: string | null;
  contact: string | null;
}

/** All SQL about locations. */
export class LocationsRepository {
  constructor(private readonly db: Database) {}

  async list(libraryId: number): Promise<Location[]> {
    return this.db
      .selectFrom('locations')
      .selectAll()
      .where('library_id', '=', libraryId)
      .orderBy('active', 'desc')
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  async findById(id: number): Promise<Location | undefined> {
    return this.db.selectFrom('locations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByCode(code: string): Promise<Location | undefined> {
    return this.db.selectFrom('locations').selectAll().where('code', '=', code).executeTakeFirst();
  }

  /** A poster code's location with its library's address (codes are unique across the city). */
  async findByCodeWithLibrary(code: string): Promise<(Location & { library_slug: string; library_default: boolean }) | undefined> {
    return this.db
      .selectFrom('locations')
      .innerJoin('libraries', 'libraries.id', 'locations.library_id')
      .selectAll('locations')
      .select(['libraries.slug as library_slug', 'libraries.is_default as library_default'])
      .where('locations.code', '=', code)
      .executeTakeFirst();
  }

  async idsByCodes(codes: string[]): Promise<Map<string, number>> {
    if (codes.length === 0) return new Map();
    const rows = await this.db.selectFrom('locations').select(['id', 'code']).where('code', 'in', codes).execute();
    return new Map(rows.map((r) => [r.code, r.id]));
  }

  /** Inserts with the given code; a code collision surfaces as a unique violation (locations_code_key). */
  async insert(libraryId: number, code: string, fields: LocationFields): Promise<Location> {
    return this.db
      .insertInto('locations')
      .values({ library_id: libraryId, code, ...fields })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(id: number, fields: LocationFields, now: Date): Promise<Location | undefined> {
    return this.db
      .updateTable('locations')
      .set({ ...fields, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async setActive(id: number, active: boolean, now: Date): Promise<Location | undefined> {
    return this.db
      .updateTable('locations')
      .set({ active, deactivated_at: active ? null : now, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** The book picker's list (a <datalist>): published books, newest first. */
  publishedBookChoices(libraryId: number, limit: number): Promise<Array<{ id: number; title: string }>> {
    return this.db
      .selectFrom('books')
      .select(['id', 'title'])
      .where('status', '=', 'published')
      .where(onShelf(libraryId))
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Published books whose title contains `text` (case-insensitive): the picker without the search engine. */
  publishedBooksLike(libraryId: number, text: string, limit: number): Promise<Array<{ id: number; title: string }>> {
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.db
      .selectFrom('books')
      .select(['id', 'title'])
      .where('status', '=', 'published')
      .where(onShelf(libraryId))
      .where('title', 'ilike', pattern)
      .orderBy('title')
      .limit(limit)
      .execute();
  }

  /** For poster pages about a book: its title, if it is published. */
  async publishedBookTitle(libraryId: number, bookId: number): Promise<string | null> {
    const row = await this.db
      .selectFrom('books')
      .select('title')
      .where('id', '=', bookId)
      .where(onShelf(libraryId))
      .where('status', '=', 'published')
      .executeTakeFirst();
    return row?.title ?? null;
  }
}
