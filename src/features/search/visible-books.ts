/**
 * Which of the books a search found may be shown. The indexes should hold only published books, but
 * a withdrawal's index delete can still be queued (Meilisearch runs its tasks one at a time, maybe
 * behind a large book being indexed, or it is down and the outbox will retry), so every hit is
 * checked against PostgreSQL, the source of truth.
 *
 * Asking PostgreSQL on every search was a sequential round trip after Meilisearch's (issue 12: the
 * JSON search must stay within 1.5× of Meilisearch's own time), so an id found published is
 * remembered for TTL_MS, counted from when the database was asked. Several app instances share one
 * database, and another instance's withdrawal reaches this one only through it: a book withdrawn at
 * T is hidden here by T + TTL_MS at the latest (the promise is 2 s; tests/integration/search/
 * visible-books.test.ts checks it across two instances). A status change made by this instance
 * forgets the book at once. Ids not found published are never remembered: a newly published book
 * shows as soon as it is indexed. Entries older than half the TTL are re-checked in the background,
 * so a steady stream of searches rarely waits for the database.
 */
export const TTL_MS = 1000;
/** Bounds the memory used (ids are small; a busy city platform's catalogue fits many times over). */
const MAX_ENTRIES = 50_000;

export class VisibleBooks {
  /** id → when (performance.now()) the database last said it was published. */
  private readonly checked = new Map<number, number>();
  /** Bumped by forget(): a check that started before it must not store what it read. */
  private generation = 0;
  private refreshing = false;

  constructor(
    private readonly publishedIds: (ids: number[]) => Promise<Set<number>>,
    private readonly ttlMs = TTL_MS,
  ) {}

  /** Of these ids, the ones that are published (at most ttlMs ago). */
  async filter(ids: number[]): Promise<Set<number>> {
    const now = performance.now();
    const visible = new Set<number>();
    const ask: number[] = [];
    const ageing: number[] = [];
    for (const id of new Set(ids)) {
      const at = this.checked.get(id);
      if (at === undefined || now - at >= this.ttlMs) ask.push(id);
      else {
        visible.add(id);
        if (now - at >= this.ttlMs / 2) ageing.push(id);
      }
    }
    if (ask.length) {
      // One round trip for the unknown and the ageing ids together.
      const found = await this.check([...ask, ...ageing]);
      for (const id of ask) if (found.has(id)) visible.add(id);
    } else if (ageing.length && !this.refreshing) {
      this.refreshing = true;
      this.check(ageing)
        .catch(() => undefined) // the next search that needs these ids asks again
        .finally(() => (this.refreshing = false));
    }
    return visible;
  }

  /** This instance changed the book's status: ask the database next time. */
  forget(bookId: number): void {
    this.checked.delete(bookId);
    this.generation++;
  }

  private async check(ids: number[]): Promise<Set<number>> {
    const startedAt = performance.now();
    const generation = this.generation;
    const found = await this.publishedIds(ids);
    if (this.checked.size + ids.length > MAX_ENTRIES) this.checked.clear();
    for (const id of ids) {
      if (!found.has(id)) this.checked.delete(id);
      else if (generation === this.generation && startedAt > (this.checked.get(id) ?? -Infinity)) this.checked.set(id, startedAt);
    }
    return found;
  }
}
