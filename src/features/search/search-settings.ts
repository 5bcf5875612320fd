import { MeilisearchApiError, type EnqueuedTaskPromise, type Settings, type Task } from 'meilisearch';
import type { SearchClient } from '../../infra/search-client.ts';

/**
 * Category facets: every library's `categoryKeys` (`<libraryId>:<slug>`, search-documents.ts) of
 * the books on one shelf are counted before search-query.ts keeps the current library's. A shelf
 * can hold shared books filed by any library of the city, so the distribution can hold the keys
 * of all of them: 56 libraries × the 11 categories each starts with (copied from the default
 * library) is 616 values before any library adds its own. Meilisearch's default of 100 values
 * would cut that list, and a library's own categories would silently lose their counts (which
 * ones depends on the sort). 5,000 leaves room for ~90 categories per library at 56 libraries;
 * counting them costs Meilisearch little next to the search itself. Sorted by count, so if a
 * country-sized index ever overflows it, the values most common on this shelf — the library's
 * own, which every book it filed carries — are the ones kept.
 */
export const FACETING: Settings['faceting'] = {
  maxValuesPerFacet: 5000,
  sortFacetValuesBy: { '*': 'alpha', categoryKeys: 'count' },
};

/**
 * Index settings, owned by the catalogue; the reader site only queries.
 *
 * Vietnamese: Meilisearch's normaliser (charabia) strips diacritics for Latin script and maps
 * đ/Đ to d (which Unicode NFD alone does not do), so "dai viet su ky" finds "Đại Việt sử ký".
 * tests/integration/catalogue/search-vietnamese.test.ts proves it against a real server; if a
 * future Meilisearch changed that, those tests fail rather than search silently degrading.
 * Typo tolerance stays on (the default), with the usual thresholds.
 */
export const BOOKS_SETTINGS: Settings = {
  // Category names stay searchable words; keys and links (which library filed it where) are data, not words.
  searchableAttributes: ['title', 'authors', 'categories', 'tags', 'description'],
  filterableAttributes: ['id', 'library_ids', 'categoryKeys', 'authorSlugs', 'tags', 'year', 'language', 'needsOcr', 'hasCover'],
  faceting: FACETING,
  sortableAttributes: ['publishedAt', 'year', 'title', 'pageCount'],
  displayedAttributes: ['*'],
  rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness'],
  localizedAttributes: [{ attributePatterns: ['*'], locales: ['vie'] }],
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 4, twoTypos: 8 } },
  pagination: { maxTotalHits: 5000 },
};

/**
 * One document per page: Meilisearch indexes only the first 65,535 words of an attribute.
 * Only the text is searchable (book titles are the books index's job), so queries need no
 * `attributesToSearchOn` — which Meilisearch rejects on an index that has no documents yet.
 */
export const PAGES_SETTINGS: Settings = {
  searchableAttributes: ['text'],
  filterableAttributes: ['bookId', 'library_ids', 'categoryKeys', 'language', 'pageNumber'],
  sortableAttributes: ['pageNumber', 'bookId'],
  displayedAttributes: ['*'],
  // Proximity right after words: the ranking score then measures how close the words are, and
  // search-precision.ts's threshold keeps only pages where they occur together.
  rankingRules: ['words', 'proximity', 'typo', 'attribute', 'sort', 'exactness'],
  localizedAttributes: [{ attributePatterns: ['*'], locales: ['vie'] }],
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 4, twoTypos: 8 } },
  pagination: { maxTotalHits: 2000 },
};

export type IndexKind = 'books' | 'pages';
export const INDEX_SETTINGS: Record<IndexKind, Settings> = { books: BOOKS_SETTINGS, pages: PAGES_SETTINGS };

/** Waits for a Meilisearch task and throws when it did not succeed (the client resolves failed tasks). */
export async function waitOk(task: EnqueuedTaskPromise, timeoutMs = 60_000): Promise<Task> {
  // Callers create several tasks before awaiting them; a rejection of one must not go unhandled.
  task.catch(() => undefined);
  const done = await task.waitTask({ timeout: timeoutMs, interval: 25 });
  if (done.status !== 'succeeded') {
    throw new Error(`Meilisearch task ${done.uid} (${done.type}) ${done.status}: ${done.error?.message ?? 'no reason given'}`);
  }
  return done;
}

async function indexExists(search: SearchClient, uid: string): Promise<boolean> {
  try {
    await search.client.getRawIndex(uid);
    return true;
  } catch (err) {
    if (err instanceof MeilisearchApiError && err.response.status === 404) return false;
    throw err;
  }
}

/** Creates an index (primary key `id`) if needed and applies its settings; settings updates are idempotent. */
export async function ensureIndex(search: SearchClient, uid: string, kind: IndexKind): Promise<void> {
  if (!(await indexExists(search, uid))) {
    const created = await search.client.createIndex(uid, { primaryKey: 'id' }).waitTask({ timeout: 60_000, interval: 25 });
    // Another process may have created it meanwhile: that is fine.
    if (created.status !== 'succeeded' && created.error?.code !== 'index_already_exists') {
      throw new Error(`could not create index ${uid}: ${created.error?.message}`);
    }
  }
  await waitOk(search.client.index(uid).updateSettings(INDEX_SETTINGS[kind]), 120_000);
}

/** Makes sure both public indexes exist with our settings (cached per process once it succeeded). */
const ensured = new WeakMap<SearchClient, Promise<void>>();
export function ensureSearchIndexes(search: SearchClient): Promise<void> {
  let p = ensured.get(search);
  if (!p) {
    p = (async () => {
      await ensureIndex(search, search.indexName('books'), 'books');
      await ensureIndex(search, search.indexName('pages'), 'pages');
    })();
    ensured.set(search, p);
    p.catch(() => ensured.delete(search)); // retry next time (e.g. Meilisearch was down)
  }
  return p;
}

/** Makes the next ensureSearchIndexes() check again (after an error that may mean a lost index). */
export function forgetEnsuredIndexes(search: SearchClient): void {
  ensured.delete(search);
}
