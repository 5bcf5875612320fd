import { sql } from 'kysely';
import type { Database } from '../../../db/database.ts';
import type { Category } from '../../../db/schema/catalogue.ts';

export type CategoryWithCount = Category & { book_count: number; published_count: number };

/** Categories, their order, and redirects from old slugs after a rename or merge. */
export class CategoriesRepository {
  constructor(private readonly db: Database) {}

  list(libraryId: number): Promise<Category[]> {
    return this.db.selectFrom('categories').selectAll().where('library_id', '=', libraryId).orderBy('position').orderBy('name').execute();
  }

  listWithCounts(libraryId: number): Promise<CategoryWithCount[]> {
    return this.db
      .selectFrom('categories')
      .selectAll('categories')
      .where('library_id', '=', libraryId)
      .select([
        sql<number>`(select count(*) from book_categories bc where bc.category_id = categories.id)::int`.as('book_count'),
        sql<number>`(select count(*) from book_categories bc join books b on b.id = bc.book_id where bc.category_id = categories.id and b.status = 'published')::int`.as(
          'published_count',
        ),
      ])
      .orderBy('position')
      .orderBy('name')
      .execute();
  }

  findById(id: number, db: Database = this.db): Promise<Category | undefined> {
    return db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The category for a slug, or for an old slug that now redirects (`redirected` is then true). */
  async findBySlug(libraryId: number, slug: string): Promise<{ category: Category; redirected: boolean } | undefined> {
    const direct = await this.db
      .selectFrom('categories')
      .selectAll()
      .where('library_id', '=', libraryId)
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (direct) return { category: direct, redirected: false };
    const via = await this.db
      .selectFrom('category_redirects')
      .innerJoin('categories', 'categories.id', 'category_redirects.category_id')
      .selectAll('categories')
      .where('categories.library_id', '=', libraryId)
      .where('category_redirects.slug', '=', slug)
      .executeTakeFirst();
    return via ? { category: via, redirected: true } : undefined;
  }

  /** Names (case-insensitively) or slugs → ids; used by the import manifest. */
  async findByNamesOrSlugs(libraryId: number, values: string[]): Promise<Category[]> {
    if (values.length === 0) return [];
    const lowered = values.map((v) => v.toLocaleLowerCase('vi'));
    return this.db
      .selectFrom('categories')
      .selectAll()
      .where('library_id', '=', libraryId)
      .where((eb) => eb.or([eb(sql<string>`lower(name)`, 'in', lowered), eb('slug', 'in', values)]))
      .execute();
  }

  async slugTaken(libraryId: number, slug: string, exceptId?: number, db: Database = this.db): Promise<boolean> {
    let q = db.selectFrom('categories').select('id').where('library_id', '=', libraryId).where('slug', '=', slug);
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    const redirect = await db
      .selectFrom('category_redirects')
      .select('category_id')
      .where('library_id', '=', libraryId)
      .where('slug', '=', slug)
      .executeTakeFirst();
    return !!(await q.executeTakeFirst()) || (!!redirect && redirect.category_id !== exceptId);
  }

  async insert(trx: Database, input: { libraryId: number; name: string; slug: string; position?: number }): Promise<Category> {
    const position =
      input.position ??
      Number(
        (
          await trx
            .selectFrom('categories')
            .where('library_id', '=', input.libraryId)
            .select(sql<number>`coalesce(max(position), 0) + 10`.as('p'))
            .executeTakeFirstOrThrow()
        ).p,
      );
    return trx
      .insertInto('categories')
      .values({ library_id: input.libraryId, name: input.name, slug: input.slug, position })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(trx: Database, id: number, change: { name?: string; slug?: string; position?: number }): Promise<void> {
    await trx
      .updateTable('categories')
      .set({ ...change, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  /** Keeps `oldSlug` working for `categoryId` in its library; a slug taken back by a category drops its redirect. */
  async addRedirect(trx: Database, libraryId: number, oldSlug: string, categoryId: number): Promise<void> {
    await trx
      .insertInto('category_redirects')
      .values({ library_id: libraryId, slug: oldSlug, category_id: categoryId })
      .onConflict((oc) => oc.columns(['library_id', 'slug']).doUpdateSet({ category_id: categoryId }))
      .execute();
  }

  async removeRedirect(trx: Database, libraryId: number, slug: string): Promise<void> {
    await trx.deleteFrom('category_redirects').where('library_id', '=', libraryId).where('slug', '=', slug).execute();
  }

  /** Moves every book and redirect of `fromId` to `intoId`, then deletes `fromId`. */
  async merge(trx: Database, fromId: number, intoId: number): Promise<void> {
    await sql`
      insert into book_categories (book_id, category_id)
      select book_id, ${intoId} from book_categories where category_id = ${fromId}
      on conflict do nothing`.execute(trx);
    await trx.updateTable('category_redirects').set({ category_id: intoId }).where('category_id', '=', fromId).execute();
    await trx.deleteFrom('categories').where('id', '=', fromId).execute();
  }

  async delete(trx: Database, id: number): Promise<void> {
    await trx.deleteFrom('categories').where('id', '=', id).execute();
  }

  bookIdsIn(categoryIds: number[], db: Database = this.db): Promise<Array<{ book_id: number }>> {
    if (categoryIds.length === 0) return Promise.resolve([]);
    return db.selectFrom('book_categories').select('book_id').distinct().where('category_id', 'in', categoryIds).execute();
  }

  /** Rewrites positions 10, 20, 30… in the given order. */
  async reorder(trx: Database, orderedIds: number[]): Promise<void> {
    let position = 10;
    for (const id of orderedIds) {
      await trx
        .updateTable('categories')
        .set({ position, updated_at: sql`now()` })
        .where('id', '=', id)
        .execute();
      position += 10;
    }
  }
}
