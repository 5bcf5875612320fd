import type { Database } from '../../../db/database.ts';
import { isUniqueViolation } from '../../../db/database.ts';
import type { Category } from '../../../db/schema/catalogue.ts';
import { AppError, invalid, notFound } from '../../../http/errors.ts';
import type { JobWaker } from '../../../infra/jobs/job-runner.ts';
import type { SearchIndexer } from '../../search/search-indexer.ts';
import { slugify } from '../catalogue-text.ts';
import type { CategoriesRepository } from './categories.repository.ts';

interface Deps {
  db: Database;
  categories: CategoriesRepository;
  indexer: SearchIndexer;
  jobs: JobWaker;
}

/**
 * Category rules: unique slugs (old ones keep redirecting after a rename or merge), order, and
 * re-indexing the books whose category names or slugs changed.
 */
export class CategoriesService {
  constructor(private readonly d: Deps) {}

  /** Where a renamed or merged category's old slug now lives (null when the slug is current or unknown). */
  async movedTo(libraryId: number, slug: string): Promise<string | null> {
    const found = await this.d.categories.findBySlug(libraryId, slug);
    return found?.redirected ? found.category.slug : null;
  }

  /** Every category with its number of books, for the management page. */
  listWithCounts(libraryId: number): ReturnType<CategoriesRepository['listWithCounts']> {
    return this.d.categories.listWithCounts(libraryId);
  }

  list(libraryId: number): Promise<Category[]> {
    return this.d.categories.list(libraryId);
  }

  async create(libraryId: number, input: { name: string; slug?: string }): Promise<Category> {
    const slug = input.slug ? slugify(input.slug) : slugify(input.name);
    return this.d.db.transaction().execute(async (trx) => {
      if (await this.d.categories.slugTaken(libraryId, slug, undefined, trx)) throw invalid({ slug: 'catalogue.category.slugTaken' });
      try {
        return await this.d.categories.insert(trx, { libraryId, name: input.name, slug });
      } catch (err) {
        if (isUniqueViolation(err)) throw invalid({ slug: 'catalogue.category.slugTaken' });
        throw err;
      }
    });
  }

  /** Renames a category and/or changes its slug and position; the old slug redirects to it. */
  async update(id: number, input: { name: string; slug?: string; position?: number }): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      const current = await this.d.categories.findById(id, trx);
      if (!current) throw notFound();
      const slug = input.slug ? slugify(input.slug) : current.slug;
      if (slug !== current.slug) {
        if (await this.d.categories.slugTaken(current.library_id, slug, id, trx)) throw invalid({ slug: 'catalogue.category.slugTaken' });
        await this.d.categories.removeRedirect(trx, current.library_id, slug);
        await this.d.categories.addRedirect(trx, current.library_id, current.slug, id);
      }
      await this.d.categories.update(trx, id, {
        name: input.name,
        slug,
        ...(input.position !== undefined ? { position: input.position } : {}),
      });
      if (slug !== current.slug || input.name !== current.name) await this.reindexBooksIn(trx, [id]);
    });
    this.d.jobs.wake();
  }

  /** Moves all books of `fromId` into `intoId`, deletes `fromId`, and keeps its slug as a redirect. */
  async merge(fromId: number, intoId: number): Promise<void> {
    if (fromId === intoId) throw invalid({ into: 'catalogue.category.mergeSame' });
    await this.d.db.transaction().execute(async (trx) => {
      const [from, into] = await Promise.all([this.d.categories.findById(fromId, trx), this.d.categories.findById(intoId, trx)]);
      // Both in the same library: a category cannot be merged into another library's.
      if (!from || !into || from.library_id !== into.library_id) throw notFound();
      const affected = (await this.d.categories.bookIdsIn([fromId], trx)).map((r) => r.book_id);
      await this.d.categories.merge(trx, fromId, intoId);
      await this.d.categories.addRedirect(trx, from.library_id, from.slug, intoId);
      await this.d.indexer.enqueueSync(trx, affected);
    });
    this.d.jobs.wake();
  }

  /** Moves a category one place up or down in the list readers see. */
  async move(id: number, direction: 'up' | 'down'): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      const current = await this.d.categories.findById(id, trx);
      if (!current) throw notFound();
      const all = await this.d.categories.list(current.library_id);
      const i = all.findIndex((c) => c.id === id);
      if (i < 0) throw notFound();
      const j = direction === 'up' ? i - 1 : i + 1;
      if (j < 0 || j >= all.length) return;
      [all[i], all[j]] = [all[j], all[i]];
      await this.d.categories.reorder(
        trx,
        all.map((c) => c.id),
      );
    });
  }

  /** Only an empty category can be deleted (merge it otherwise). */
  async delete(id: number): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      if (!(await this.d.categories.findById(id, trx))) throw notFound();
      if ((await this.d.categories.bookIdsIn([id], trx)).length > 0) throw new AppError(409, 'not_empty', 'catalogue.category.notEmpty');
      await this.d.categories.delete(trx, id);
    });
  }

  private async reindexBooksIn(trx: Database, categoryIds: number[]): Promise<void> {
    const ids = (await this.d.categories.bookIdsIn(categoryIds, trx)).map((r) => r.book_id);
    await this.d.indexer.enqueueSync(trx, ids);
  }
}
