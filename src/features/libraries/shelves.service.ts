import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditLog } from '../consent/audit.service.ts';
import type { MaybeActor } from '../consent/consent.types.ts';
import type { SearchIndexer } from '../search/search-indexer.ts';
import type { Holder, SharedBook, ShelvesRepository } from './shelves.repository.ts';

export type ShelveResult = 'shelved' | 'already_shelved' | 'not_found' | 'own_book' | 'not_published' | 'not_sharable';
export type UnshelveResult = 'removed' | 'not_shelved';
export type CategoriesResult = 'categories_saved' | 'not_shelved' | 'bad_category';

interface Deps {
  db: Database;
  repo: ShelvesRepository;
  audit: AuditLog;
  indexer: SearchIndexer;
  clock: Clock;
  /** Wakes the job runner so the search sync runs now rather than at the next poll. */
  wake: () => void;
}

/**
 * The shared catalogue: a library puts on its shelf a book another library published, when the
 * book's consent scope reaches beyond its owner. Each change is audited with the library and
 * re-indexes the book (its documents' library_ids), in the same transaction as the change.
 */
export class ShelvesService {
  constructor(private readonly d: Deps) {}

  browse(libraryId: number, q: string, page: number, perPage = 30): Promise<{ books: SharedBook[]; total: number }> {
    return this.d.repo.sharedCatalogue(libraryId, { q, limit: perPage, offset: (page - 1) * perPage });
  }

  /** The libraries holding each of these books, for published books only (city-wide search). */
  async holdersOfPublished(bookIds: number[]): Promise<Map<number, Holder[]>> {
    const published = await this.d.repo.publishedIds(bookIds);
    return this.d.repo.holders(bookIds.filter((id) => published.has(id)));
  }

  async shelve(libraryId: number, bookId: number, actor: MaybeActor): Promise<ShelveResult> {
    const result = await this.d.db.transaction().execute(async (trx): Promise<ShelveResult> => {
      const book = await this.d.repo.stateForUpdate(libraryId, bookId, trx);
      if (!book) return 'not_found';
      if (book.ownerId === libraryId) return 'own_book';
      if (book.status !== 'published') return 'not_published';
      if (!book.sharable) return 'not_sharable';
      if (!(await this.d.repo.add(libraryId, bookId, actor?.id ?? null, this.d.clock.now(), trx))) return 'already_shelved';
      await this.changed(libraryId, bookId, 'library_shelf.added', actor, trx);
      return 'shelved';
    });
    if (result === 'shelved') this.d.wake();
    return result;
  }

  async unshelve(libraryId: number, bookId: number, actor: MaybeActor): Promise<UnshelveResult> {
    const result = await this.d.db.transaction().execute(async (trx): Promise<UnshelveResult> => {
      if (!(await this.d.repo.remove(libraryId, bookId, trx))) return 'not_shelved';
      // The library's own categories leave with the book.
      await this.d.repo.setCategories(libraryId, bookId, [], trx);
      await this.changed(libraryId, bookId, 'library_shelf.removed', actor, trx);
      return 'removed';
    });
    if (result === 'removed') this.d.wake();
    return result;
  }

  /** The library's categories and, per book, the ones it assigned (the shared-catalogue page). */
  categoriesFor(libraryId: number, bookIds: number[]) {
    return this.d.repo.categoriesFor(libraryId, bookIds);
  }

  /** A library files a book it shelved under its own categories (the owner's stay untouched). */
  async setCategories(libraryId: number, bookId: number, categoryIds: number[], actor: MaybeActor): Promise<CategoriesResult> {
    const result = await this.d.db.transaction().execute(async (trx): Promise<CategoriesResult> => {
      if (!(await this.d.repo.isShelvedBy(libraryId, bookId, trx))) return 'not_shelved';
      if (!(await this.d.repo.setCategories(libraryId, bookId, categoryIds, trx))) return 'bad_category';
      await this.d.audit.record(
        {
          actor,
          entity: 'library_shelf',
          entityId: libraryId,
          bookId,
          action: 'library_shelf.categories_set',
          after: { categoryIds },
          libraryId,
        },
        trx,
      );
      await this.d.indexer.enqueueSync(trx, [bookId]);
      return 'categories_saved';
    });
    if (result === 'categories_saved') this.d.wake();
    return result;
  }

  /**
   * A book's rights changed (consent recorded or granted, basis set): if other libraries shelved
   * it, whether it may stay there can have changed, so its documents' library_ids are rewritten.
   * (Revocation, expiry and withdrawal need nothing here: they withdraw the book, which re-indexes it.)
   */
  async rightsChanged(bookId: number, trx: Database): Promise<void> {
    if (await this.d.repo.isShelvedAnywhere(bookId, trx)) await this.d.indexer.enqueueSync(trx, [bookId]);
  }

  private async changed(libraryId: number, bookId: number, action: string, actor: MaybeActor, trx: Database): Promise<void> {
    await this.d.audit.record({ actor, entity: 'library_shelf', entityId: libraryId, bookId, action, libraryId }, trx);
    await this.d.indexer.enqueueSync(trx, [bookId]);
  }
}
