import { describe, expect, it } from 'vitest';
import { resolveBookChoice, type BookChoiceDeps } from '../../../src/features/locations/book-choice.ts';

const BOOKS = [
  { id: 12, title: 'Truyện Kiều' },
  { id: 13, title: 'Sách giáo khoa Lịch sử 6' },
  { id: 14, title: 'Sách giáo khoa Địa lý 6' },
];

/** Fakes: the repository is a list of published books; the search engine may be down. */
function deps(searchDown = false): BookChoiceDeps & { likeCalls: string[] } {
  const likeCalls: string[] = [];
  return {
    likeCalls,
    repo: {
      publishedBookTitle: async (id) => BOOKS.find((b) => b.id === id)?.title ?? null,
      publishedBooksLike: async (text) => {
        likeCalls.push(text);
        return BOOKS.filter((b) => b.title.toLowerCase().includes(text.toLowerCase()));
      },
    },
    suggest: async (q) => {
      if (searchDown) throw new Error('meilisearch unreachable');
      return q === 'truyen kieu' ? [BOOKS[0]] : [];
    },
  };
}

describe('resolving what was typed in a book picker', () => {
  it('reads a picked entry, a number and "#n"', async () => {
    for (const input of ['Truyện Kiều · #12', '12', '#12', '  12 ']) {
      expect(await resolveBookChoice(deps(), input)).toEqual({ kind: 'book', id: 12, title: 'Truyện Kiều' });
    }
    expect(await resolveBookChoice(deps(), '99')).toEqual({ kind: 'choose', q: '99', matches: [] });
    expect(await resolveBookChoice(deps(), '')).toEqual({ kind: 'none' });
    expect(await resolveBookChoice(deps(), undefined)).toEqual({ kind: 'none' });
  });

  it('finds titles through the search engine, or the database when it is down', async () => {
    expect(await resolveBookChoice(deps(), 'truyen kieu')).toMatchObject({ kind: 'book', id: 12 });
    const down = deps(true);
    expect(await resolveBookChoice(down, 'Truyện')).toMatchObject({ kind: 'book', id: 12 });
    expect(down.likeCalls).toEqual(['Truyện']);
    const several = await resolveBookChoice(deps(true), 'sách giáo khoa');
    expect(several).toMatchObject({ kind: 'choose', q: 'sách giáo khoa' });
    expect(several.kind === 'choose' && several.matches.map((m) => m.id)).toEqual([13, 14]);
  });
});
