import type { Database } from '../../db/database.ts';
import type { LibraryRow } from '../../db/schema/libraries.ts';

export interface LibraryFields {
  slug: string;
  name: string;
  unionName: string;
  address: string;
  contact: string;
}

/** All SQL about libraries and who serves them. */
export class LibrariesRepository {
  constructor(private readonly db: Database) {}

  findBySlug(slug: string): Promise<LibraryRow | undefined> {
    return this.db.selectFrom('libraries').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  findById(id: number): Promise<LibraryRow | undefined> {
    return this.db.selectFrom('libraries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findDefault(): Promise<LibraryRow | undefined> {
    return this.db.selectFrom('libraries').selectAll().where('is_default', '=', true).executeTakeFirst();
  }

  /** The default library first, then by name. */
  list(): Promise<LibraryRow[]> {
    return this.db.selectFrom('libraries').selectAll().orderBy('is_default', 'desc').orderBy('name').orderBy('id').execute();
  }

  insert(fields: LibraryFields): Promise<LibraryRow> {
    return this.db.transaction().execute(async (tx) => {
      const library = await tx
        .insertInto('libraries')
        .values({
          slug: fields.slug,
          name: fields.name,
          union_name: fields.unionName,
          address: fields.address,
          contact: fields.contact,
          logo_key: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // A new library starts with the default library's categories (names and order), so its
      // librarians can shelve books at once; they edit them freely afterwards.
      await tx
        .insertInto('categories')
        .columns(['library_id', 'slug', 'name', 'position'])
        .expression((eb) =>
          eb
            .selectFrom('categories')
            .innerJoin('libraries', 'libraries.id', 'categories.library_id')
            .where('libraries.is_default', '=', true)
            .select([eb.val(library.id).as('library_id'), 'categories.slug', 'categories.name', 'categories.position']),
        )
        .execute();
      return library;
    });
  }

  async update(id: number, fields: LibraryFields, now: Date): Promise<LibraryRow | undefined> {
    return this.db
      .updateTable('libraries')
      .set({
        slug: fields.slug,
        name: fields.name,
        union_name: fields.unionName,
        address: fields.address,
        contact: fields.contact,
        updated_at: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async setLogo(id: number, logoKey: string | null, now: Date): Promise<void> {
    await this.db.updateTable('libraries').set({ logo_key: logoKey, updated_at: now }).where('id', '=', id).execute();
  }

  /** Whether the row `id` of `entity` belongs to library `libraryId` (admin routes taking an id check it). */
  async owns(entity: OwnedEntity, id: number, libraryId: number): Promise<boolean> {
    const db = this.db;
    let q;
    switch (entity) {
      case 'book':
        q = db.selectFrom('books').select('books.id').where('books.id', '=', id).where('books.library_id', '=', libraryId);
        break;
      case 'location':
        q = db.selectFrom('locations').select('id').where('id', '=', id).where('library_id', '=', libraryId);
        break;
      case 'category':
        q = db.selectFrom('categories').select('id').where('id', '=', id).where('library_id', '=', libraryId);
        break;
      case 'rightsHolder':
        q = db.selectFrom('rights_holders').select('id').where('id', '=', id).where('library_id', '=', libraryId);
        break;
      case 'bookImport':
        q = db.selectFrom('book_imports').select('id').where('id', '=', id).where('library_id', '=', libraryId);
        break;
      case 'consent':
        q = db
          .selectFrom('consent_records as c')
          .innerJoin('books as b', 'b.id', 'c.book_id')
          .select('c.id')
          .where('c.id', '=', id)
          .where('b.library_id', '=', libraryId);
        break;
      case 'evidence':
        q = db
          .selectFrom('consent_evidence as e')
          .innerJoin('consent_records as c', 'c.id', 'e.consent_id')
          .innerJoin('books as b', 'b.id', 'c.book_id')
          .select('e.id')
          .where('e.id', '=', id)
          .where('b.library_id', '=', libraryId);
        break;
      case 'staffMember':
        q = db.selectFrom('library_staff').select('user_id as id').where('user_id', '=', id).where('library_id', '=', libraryId);
        break;
    }
    return !!(await q.executeTakeFirst());
  }
}

/** Library-owned things an admin address can name by id. */
export type OwnedEntity = 'book' | 'location' | 'category' | 'rightsHolder' | 'bookImport' | 'consent' | 'evidence' | 'staffMember';
