import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PdfRejectedError } from '../../../src/pdf/errors.ts';
import { PdfWorkerError, PdfWorkerPool } from '../../../src/pdf/worker-pool.ts';
import { denseTextPdf, flateBombPdf, hugeImagePdf, manyPagesPdf } from '../../helpers/pdf-bombs.ts';
import { makePdf, VIETNAMESE_BOOK, writeFixture } from '../../helpers/make-pdf.ts';

/**
 * Hostile PDFs, generated here: each must end in a bounded failure with a reason — the worker
 * refuses it or is killed — while the pool goes on serving ordinary books.
 */

const GiB = 1024 * 1024 * 1024;
let dir: string;
let book: string;
let flateBomb: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-bombs-'));
  book = await writeFixture(dir, 'book.pdf', await makePdf(VIETNAMESE_BOOK));
  flateBomb = await writeFixture(dir, 'flate.pdf', await flateBombPdf(1.1 * GiB));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const rejection = (err: unknown) => (err instanceof PdfRejectedError ? err.code : err);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function withPool<T>(options: ConstructorParameters<typeof PdfWorkerPool>[0], fn: (pool: PdfWorkerPool) => Promise<T>): Promise<T> {
  const pool = new PdfWorkerPool({ size: 1, ...options });
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

describe('PDF bombs', () => {
  it('a stream inflating to 1.1 GiB stops at the decoded-bytes ceiling, then the pool extracts a book', async () => {
    const file = flateBomb;
    expect((await fs.stat(file)).size).toBeLessThan(3 * 1024 * 1024);
    await withPool({ maxRssMb: 700 }, async (pool) => {
      const err = await pool.extract(file, { onPage: () => {} }).catch((e: unknown) => e);
      expect(rejection(err)).toBe('too_heavy');
      expect(String((err as PdfRejectedError).detail)).toContain('decoded stream exceeds the ceiling');
      expect(pool.stats().kills.memory).toBe(0);
      expect((await pool.extract(book, { onPage: () => {} })).numPages).toBe(7);
    });
  });

  it('without that ceiling, the RSS watch kills the worker process at its memory limit', async () => {
    const file = flateBomb;
    await withPool({ maxRssMb: 400, limits: { maxDecodedStreamBytes: 8 * GiB } }, async (pool) => {
      const done = pool.extract(file, { onPage: () => {} }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      const [pid] = pool.pids();
      const err = await done;
      expect(err).toBeInstanceOf(PdfWorkerError);
      expect((err as PdfWorkerError).reason).toBe('memory');
      expect(pool.stats().kills.memory).toBe(1);
      expect(alive(pid)).toBe(false);
      expect((await pool.validate(book)).numPages).toBe(7); // a fresh worker takes over
    });
  });

  it('a 30000×30000 image is dropped (maxImageSize): the cover render ends under the memory ceiling', async () => {
    const file = await writeFixture(dir, 'image.pdf', await hugeImagePdf(30_000));
    await withPool({ maxRssMb: 700 }, async (pool) => {
      const result = await pool.renderCover(file, { widths: [200], maxPagesToTry: 1 }).catch((e: unknown) => e);
      // Nothing else on the page: blank (null) or refused as too heavy — never rendered at 900 MP.
      expect(result === null || rejection(result) === 'too_heavy').toBe(true);
      expect(pool.stats().kills.memory).toBe(0);
    });
  });

  it('a file of 100,000 pages is refused as too heavy when it is checked, before any page is read', async () => {
    const file = await writeFixture(dir, 'pages.pdf', manyPagesPdf(100_000));
    await withPool({}, async (pool) => {
      const started = performance.now();
      expect(rejection(await pool.validate(file).catch((e: unknown) => e))).toBe('too_heavy');
      expect(rejection(await pool.extract(file, { onPage: () => {} }).catch((e: unknown) => e))).toBe('too_heavy');
      expect(performance.now() - started).toBeLessThan(60_000);
    });
  });

  it('a page with megabytes of text is refused as too heavy', async () => {
    const file = await writeFixture(dir, 'text.pdf', await denseTextPdf(3, 2_000_000));
    await withPool({}, async (pool) => {
      const err = await pool.extract(file, { onPage: () => {} }).catch((e: unknown) => e);
      expect(rejection(err)).toBe('too_heavy');
      expect((err as PdfRejectedError).detail).toMatch(/page 1: over 400000 characters/);
    });
  });

  it('a book that outruns its time budget is refused as too heavy', async () => {
    const file = await writeFixture(dir, 'slow.pdf', await denseTextPdf(40, 3_000));
    await withPool({ limits: { bookBaseMs: 1, perPageMs: 1 } }, async (pool) => {
      const err = await pool.extract(file, { onPage: () => new Promise((r) => setTimeout(r, 20)) }).catch((e: unknown) => e);
      expect(rejection(err)).toBe('too_heavy');
      expect((err as PdfRejectedError).detail).toMatch(/time budget/);
    });
  });
});

describe('fair scheduling', () => {
  it('a book holding the only slot does not hold up others: one more lane opens once it runs long', async () => {
    const slowBook = await writeFixture(dir, 'forty.pdf', await denseTextPdf(40, 2_000));
    await withPool({ longJobMs: 300 }, async (pool) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const held = pool.extract(slowBook, { onPage: (n) => (n === 1 ? gate : undefined) });
      await new Promise((r) => setTimeout(r, 100));
      let sameBookDone = false;
      const sameBook = pool.validate(slowBook).then(() => (sameBookDone = true));
      // The ordinary book gets the extra lane although the pool has size 1.
      expect((await pool.validate(book)).numPages).toBe(7);
      expect(pool.stats().workers).toBe(2);
      // One slot per book: the second job on the held book waits for the first.
      expect(sameBookDone).toBe(false);
      release();
      expect((await held).numPages).toBe(40);
      await sameBook;
    });
  });
});
