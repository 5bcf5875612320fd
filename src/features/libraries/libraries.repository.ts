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
}
