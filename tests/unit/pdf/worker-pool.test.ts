import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PdfRejectedError } from '../../../src/pdf/errors.ts';
import { PdfWorkerError, PdfWorkerPool, workerExecArgv } from '../../../src/pdf/worker-pool.ts';
import { jpegSize } from '../../helpers/image-size.ts';
import { makePdf, VIETNAMESE_BOOK, writeFixture } from '../../helpers/make-pdf.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
let book: string;
let longBook: string;
let locked: string;
const pool = new PdfWorkerPool({ size: 2, ackEvery: 2 });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-pool-'));
  book = await writeFixture(dir, 'book.pdf', await makePdf(VIETNAMESE_BOOK));
  longBook = await writeFixture(
    dir,
    'long.pdf',
    await makePdf({
      pages: Array.from({ length: 40 }, (_, i) => ({ text: [`Trang ${i + 1}: Lịch sử Việt Nam`] })),
    }),
  );
  locked = await writeFixture(dir, 'locked.pdf', await makePdf({ ...VIETNAMESE_BOOK, userPassword: 'khoá' }));
});

afterAll(async () => {
  await pool.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('PdfWorkerPool', () => {
  it('extracts in a worker thread, streaming pages to an async onPage', async () => {
    const texts: string[] = [];
    const summary = await pool.extract(book, {
      onPage: async (n, text) => {
        await new Promise((r) => setTimeout(r, 2));
        texts[n - 1] = text;
      },
    });
    expect(summary.numPages).toBe(7);
    expect(summary.outlineCount).toBe(7);
    expect(texts[0]).toContain('Dế Mèn phiêu lưu ký');
    expect(texts[5]).toContain('Tư tưởng Hồ Chí Minh');
  });

  it('keeps the worker at most 2 × ackEvery pages ahead of a slow consumer', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let maxBuffered = 0;
    const done = pool.extract(longBook, {
      onPage: async (n) => {
        if (n === 1) await gate;
      },
    });
    // Once the worker is running (its start-up takes seconds on a loaded machine: waited for, not
    // slept through), let it run as far ahead as it may while page 1 is stuck.
    await expect.poll(() => pool.stats().bufferedPages, { timeout: 60_000, interval: 20 }).toBeGreaterThan(0);
    for (let i = 0; i < 40; i++) {
      maxBuffered = Math.max(maxBuffered, pool.stats().bufferedPages);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(maxBuffered).toBeLessThanOrEqual(4);
    release();
    expect((await done).numPages).toBe(40);
  });

  it('runs jobs in parallel and renders covers', async () => {
    const [a, b, cover] = await Promise.all([pool.validate(book), pool.validate(longBook), pool.renderCover(book, { widths: [160] })]);
    expect(a.metadata.title).toBe('Tuyển tập văn học Việt Nam');
    expect(b.numPages).toBe(40);
    expect(Buffer.isBuffer(cover?.variants[0].jpeg)).toBe(true);
    expect(jpegSize(cover!.variants[0].jpeg).width).toBe(160);
  });

  it('keeps working through the SIGINT/SIGTERM that Ctrl-C or a service stop sends the whole process group', async () => {
    await pool.validate(book); // a worker is running
    const pids = pool.pids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) {
      process.kill(pid, 'SIGTERM');
      process.kill(pid, 'SIGINT');
    }
    const summary = await pool.extract(longBook, { onPage: () => {} });
    expect(summary.numPages).toBe(40);
    expect(pool.pids()).toEqual(expect.arrayContaining(pids)); // the same processes, not replacements
  });

  it('runs background renders only on an idle pool, after the jobs someone waits for', async () => {
    const one = new PdfWorkerPool({ size: 1 });
    const other = await writeFixture(dir, 'other.pdf', await makePdf({ pages: [{ text: ['Một trang khác.'] }] }));
    try {
      await one.renderPage(book, 1, { width: 16 }); // the worker is up
      const order: string[] = [];
      const track = (name: string, p: Promise<unknown>) => p.then(() => order.push(name));
      const busy = track('reader 1', one.renderPage(longBook, 1, { width: 400 }));
      const ahead = track('background', one.renderPage(book, 2, { width: 400, background: true }));
      const later = track('reader 2', one.renderPage(other, 1, { width: 400 })); // queued after the background page
      await Promise.all([busy, ahead, later]);
      expect(order).toEqual(['reader 1', 'reader 2', 'background']);
    } finally {
      await one.close();
    }
  });

  it('rejects bad files with a typed PdfRejectedError', async () => {
    const err = await pool.extract(locked, { onPage: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PdfRejectedError);
    expect((err as PdfRejectedError).code).toBe('password_protected');
  });

  it('fails the job with the error onPage threw, then keeps working', async () => {
    await expect(
      pool.extract(longBook, {
        onPage: (n) => {
          if (n === 3) throw new Error('insert failed');
        },
      }),
    ).rejects.toThrow('insert failed');
    expect((await pool.validate(book)).numPages).toBe(7);
  });

  it('stops extraction when the caller aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      pool.extract(longBook, {
        signal: controller.signal,
        onPage: (n) => {
          seen.push(n);
          if (n === 3) controller.abort(new Error('upload cancelled'));
        },
      }),
    ).rejects.toThrow('upload cancelled');
    expect(seen).toEqual([1, 2, 3]);
    expect(pool.stats().busy).toBe(0);
  });

  it('kills a job that runs past its timeout, together with its worker', async () => {
    const strict = new PdfWorkerPool({ size: 1, jobTimeoutMs: 30 });
    try {
      const err = await strict.extract(longBook, { onPage: () => {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PdfWorkerError);
      expect((err as PdfWorkerError).reason).toBe('timeout');
      expect(strict.stats().workers).toBe(0);
    } finally {
      await strict.close();
    }
    await expect(strict.validate(book)).rejects.toMatchObject({ reason: 'closed' });
  });

  it("drops tsx from the workers' execArgv and keeps the rest", () => {
    expect(workerExecArgv(['--import', 'tsx', '--max-old-space-size=512', '--import=tsx', '--conditions', 'node'])).toEqual([
      '--max-old-space-size=512',
      '--conditions',
      'node',
    ]);
    expect(
      workerExecArgv(['--require', '/x/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///x/node_modules/tsx/dist/loader.mjs']),
    ).toEqual([]);
  });

  it('works in a server started with `node --import tsx` (dev mode)', async () => {
    const script = path.join(dir, 'dev-server.mts'); // .mts: ESM (top-level await) outside the package
    const poolModule = path.join(repoRoot, 'src/pdf/worker-pool.ts');
    await fs.writeFile(
      script,
      [
        `import { PdfWorkerPool } from ${JSON.stringify(poolModule)};`,
        'const pool = new PdfWorkerPool({ size: 1 });',
        'let first = "";',
        `const s = await pool.extract(${JSON.stringify(book)}, { onPage: (n, t) => { if (n === 1) first = t; } });`,
        'await pool.close();',
        'console.log(JSON.stringify({ pages: s.numPages, first }));',
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ pages: 7, first: expect.stringContaining('Dế Mèn') });
  });
});
