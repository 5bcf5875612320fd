import { describe, expect, it } from 'vitest';
import { VisibleBooks } from '../../../src/features/search/visible-books.ts';

/** A fake "database" of published ids that records every lookup (the round trips the cache saves). */
function fakeDb(published: number[]) {
  const state = { published: new Set(published), lookups: [] as number[][] };
  const lookup = async (ids: number[]) => {
    state.lookups.push([...ids].sort((a, b) => a - b));
    return new Set(ids.filter((id) => state.published.has(id)));
  };
  return { state, lookup };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('VisibleBooks (search hits checked against the database, remembered briefly)', () => {
  it('asks the database once for ids it has not seen, then answers from memory within the TTL', async () => {
    const { state, lookup } = fakeDb([1, 2, 3]);
    const visible = new VisibleBooks(lookup, 10_000);
    expect([...(await visible.filter([1, 2, 9, 2]))].sort()).toEqual([1, 2]);
    expect(state.lookups).toEqual([[1, 2, 9]]);
    expect([...(await visible.filter([2, 1]))].sort()).toEqual([1, 2]);
    expect(state.lookups).toHaveLength(1);
  });

  it('never remembers an id that was not published: a book published later shows at once', async () => {
    const { state, lookup } = fakeDb([1]);
    const visible = new VisibleBooks(lookup, 10_000);
    expect([...(await visible.filter([1, 5]))]).toEqual([1]);
    state.published.add(5);
    expect([...(await visible.filter([1, 5]))].sort()).toEqual([1, 5]);
    expect(state.lookups).toEqual([[1, 5], [5]]);
  });

  it('hides a book withdrawn elsewhere once the TTL has passed (the database is asked again)', async () => {
    const { state, lookup } = fakeDb([1, 2]);
    const visible = new VisibleBooks(lookup, 60);
    await visible.filter([1, 2]);
    state.published.delete(2); // another instance withdrew it: only the database knows
    await sleep(80);
    expect([...(await visible.filter([1, 2]))]).toEqual([1]);
  });

  it('forgets a book whose status this instance changed, even within the TTL', async () => {
    const { state, lookup } = fakeDb([1, 2]);
    const visible = new VisibleBooks(lookup, 10_000);
    await visible.filter([1, 2]);
    state.published.delete(2);
    visible.forget(2);
    expect([...(await visible.filter([1, 2]))]).toEqual([1]);
    expect(state.lookups).toEqual([[1, 2], [2]]);
  });

  it('does not store what a check read before forget() ran', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const published = new Set([1]);
    const lookups: number[][] = [];
    const visible = new VisibleBooks(async (ids) => {
      lookups.push(ids);
      const read = new Set(ids.filter((id) => published.has(id)));
      if (lookups.length === 1) await gate; // the first check has read "published"; the withdrawal happens now
      return read;
    }, 10_000);
    const first = visible.filter([1]);
    await sleep(5);
    published.delete(1);
    visible.forget(1);
    release();
    expect([...(await first)]).toEqual([1]); // the search that was already running may still show it…
    expect([...(await visible.filter([1]))]).toEqual([]); // …the next one asks again
    expect(lookups).toHaveLength(2);
  });

  it('re-checks ageing entries in the background, so a steady stream of searches does not wait', async () => {
    const { state, lookup } = fakeDb([1]);
    const visible = new VisibleBooks(lookup, 100);
    await visible.filter([1]);
    await sleep(60); // past half the TTL
    expect([...(await visible.filter([1]))]).toEqual([1]); // answered from memory…
    expect(state.lookups).toHaveLength(2); // …while a re-check was started
    state.published.delete(1);
    await sleep(60); // the first entry would have expired; the re-check's has not, and it saw "published"
    expect([...(await visible.filter([1]))]).toEqual([1]);
    await sleep(120);
    expect([...(await visible.filter([1]))]).toEqual([]);
  });

  it('re-checks every ageing entry with the query a search has to wait for anyway', async () => {
    const { state, lookup } = fakeDb([1, 2, 3]);
    const visible = new VisibleBooks(lookup, 100);
    await visible.filter([1, 2]);
    await sleep(60);
    await visible.filter([3]); // 3 is new: one query, which also re-checks 1 and 2
    expect(state.lookups).toEqual([
      [1, 2],
      [1, 2, 3],
    ]);
    state.published.delete(1);
    await sleep(60); // 1 and 2 would have expired without that re-check…
    // …so they are answered from memory (the database would have said 1 is gone), no waiting.
    expect([...(await visible.filter([1, 2]))].sort()).toEqual([1, 2]);
  });
});
