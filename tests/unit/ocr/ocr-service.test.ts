import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import type { OcrRepository } from '../../../src/features/ocr/ocr.repository.ts';
import { OcrService, parsePageList } from '../../../src/features/ocr/ocr.service.ts';

describe('parsePageList (the librarian’s "exclude pages" field)', () => {
  it.each([
    ['3', [3]],
    ['1, 3-5', [1, 3, 4, 5]],
    ['5-3x', null],
    ['2–4; 4 7', [2, 3, 4, 7]],
    ['0', null],
    ['11', null],
    ['4-2', null],
    ['abc', null],
    ['', null],
    ['1,,2', [1, 2]],
  ] as const)('%s → %j (book of 10 pages)', (text, pages) => {
    expect(parsePageList(text, 10)).toEqual(pages);
  });
});

describe('OCR progress and time left', () => {
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const service = (counts: { pending: number; done: number; failed: number; excluded: number }, startedAt: Date | null, atStart = 0) =>
    new OcrService({
      db: null as never,
      jobs: null as never,
      wake: () => undefined,
      indexer: null as never,
      clock,
      config: { enabled: true, concurrency: 1, dpi: 300 },
      repo: {
        bookState: async () => ({
          id: 1,
          status: 'draft',
          file_id: 1,
          ocr_status: 'running',
          ocr_started_at: startedAt,
          ocr_finished_at: null,
          ocr_pages_at_start: atStart,
        }),
        counts: async () => counts,
      } as unknown as OcrRepository,
    });

  it('estimates from this run’s pace: 10 pages in 60 s, 30 left → 180 s', async () => {
    const p = await service({ pending: 30, done: 9, failed: 1, excluded: 2 }, new Date('2026-12-01T09:59:00Z')).progress(1);
    expect(p).toMatchObject({
      total: 40,
      done: 9,
      failed: 1,
      excluded: 2,
      pending: 30,
      secondsLeft: 180,
      status: 'running',
      enabled: true,
    });
  });

  it('counts only pages done in this run (a resumed run started at 20 done)', async () => {
    const p = await service({ pending: 10, done: 25, failed: 0, excluded: 0 }, new Date('2026-12-01T09:59:00Z'), 20).progress(1);
    expect(p!.secondsLeft).toBe(120); // 5 pages a minute
  });

  it('has no estimate before the first page, or when nothing is left', async () => {
    expect(
      (await service({ pending: 5, done: 0, failed: 0, excluded: 0 }, new Date('2026-12-01T09:59:00Z')).progress(1))!.secondsLeft,
    ).toBeNull();
    expect(
      (await service({ pending: 0, done: 5, failed: 0, excluded: 0 }, new Date('2026-12-01T09:59:00Z')).progress(1))!.secondsLeft,
    ).toBeNull();
  });
});
