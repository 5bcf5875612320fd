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
 * shows as soon as it is indexed. Entries older than half the TTL that searches still use are
 * re-checked together (in the background, or with the query a search has to wait for anyway), so
 * a steady stream of searches rarely waits for the database.
 */
export const TTL_MS = 1000;
/** Bounds the memory used (ids are small; a busy city platform's catalogue fits many times over). */
const MAX_ENTRIES = 50_000;
/** Entries no search touched for this long are dropped instead of being re-checked. */
const IDLE_MS = 60_000;
/** At most this many ids per re-check query. */
const MAX_RECHECK = 1000;

interface Entry {
  /** When (performance.now()) the database was asked and said "published". */
  at: number;
  /** When a search last needed it. */
  used: number;
}

export class VisibleBooks {
  private readonly checked = new Map<number, Entry>();
  /** Bumped by forget(): a check that started before it must not store what it read. */
  private generation = 0;
  private refreshing = false;
  private lastSweep = -Infinity;

  constructor(
    private readonly publishedIds: (ids: number[]) => Promise<Set<number>>,
    private readonly ttlMs = TTL_MS,
  ) {}

  /** Of these ids, the ones that are published (at most ttlMs ago). */
  async filter(ids: number[]): Promise<Set<number>> {
    const now = performance.now();
    const visible = new Set<number>();
    const ask: number[] = [];
    for (const id of new Set(ids)) {
      const entry = this.checked.get(id);
      if (!entry || now - entry.at >= this.ttlMs) ask.push(id);
      else {
        visible.add(id);
        entry.used = now;
      }
    }
    if (ask.length) {
      // One round trip for the unknown ids and every ageing entry searches still use, so that
      // the searches that follow find them fresh.
      const asked = new Set(ask);
      const found = await this.check([...ask, ...this.sweep(now).filter((id) => !asked.has(id))]);
      for (const id of ask) if (found.has(id)) visible.add(id);
    } else if (!this.refreshing && now - this.lastSweep >= this.ttlMs / 4) {
      const ageing = this.sweep(now);
      if (ageing.length) {
        this.refreshing = true;
        this.check(ageing)
          .catch(() => undefined) // the next search that needs these ids asks again
          .finally(() => (this.refreshing = false));
      }
    }
    return visible;
  }

  /** This instance changed the book's status: ask the database next time. */
  forget(bookId: number): void {
    this.checked.delete(bookId);
    this.generation++;
  }

  /** Ids past half their TTL that searches still use; drops the ones no search needed lately. */
  private sweep(now: number): number[] {
    this.lastSweep = now;
    const ageing: number[] = [];
    for (const [id, entry] of this.checked) {
      if (now - entry.used > IDLE_MS) this.checked.delete(id);
      else if (now - entry.at >= this.ttlMs / 2 && ageing.length < MAX_RECHECK) ageing.push(id);
    }
    return ageing;
  }

  private async check(ids: number[]): Promise<Set<number>> {
    const startedAt = performance.now();
    const generation = this.generation;
    const found = await this.publishedIds(ids);
    if (this.checked.size + ids.length > MAX_ENTRIES) this.checked.clear();
    for (const id of ids) {
      const entry = this.checked.get(id);
      if (!found.has(id)) this.checked.delete(id);
      else if (generation === this.generation && startedAt > (entry?.at ?? -Infinity))
        this.checked.set(id, { at: startedAt, used: entry?.used ?? startedAt });
    }
    return found;
  }
}

/**
 * One VisibleBooks per library: a book is visible in a library when it is published AND on that
 * library's shelf (its own, or shelved where consent scope allows). Shelf changes made on any
 * instance reach this memory within TTL_MS, like withdrawals; a status change made here forgets
 * the book in every library at once.
 */
export class ShelfVisibility {
  private readonly perLibrary = new Map<number, VisibleBooks>();

  constructor(
    private readonly publishedIds: (libraryId: number, ids: number[]) => Promise<Set<number>>,
    private readonly ttlMs = TTL_MS,
  ) {}

  filter(libraryId: number, ids: number[]): Promise<Set<number>> {
    let books = this.perLibrary.get(libraryId);
    if (!books) {
      books = new VisibleBooks((ids) => this.publishedIds(libraryId, ids), this.ttlMs);
      this.perLibrary.set(libraryId, books);
    }
    return books.filter(ids);
  }

  forget(bookId: number): void {
    for (const books of this.perLibrary.values()) books.forget(bookId);
  }
}
