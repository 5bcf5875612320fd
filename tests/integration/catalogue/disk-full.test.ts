import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { INGEST_ERROR_KEYS } from '../../../src/features/catalogue/ingest/ingest.job.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';

/**
 * A full disk, for real: storage lives on a 4 MiB tmpfs that the test fills to the last byte
 * (no mocked file system, PostgreSQL or Meilisearch). Uploads get a clear 507, a book whose ingest
 * hits the full disk waits with a translated reason and is processed once space returns.
 */
const mountPoint = path.join(os.tmpdir(), `tvs-full-disk-${process.pid}`);
let mounted = false;
try {
  execFileSync('mkdir', ['-p', mountPoint]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  console.log(`[skip] disk-full tests: cannot mount a small tmpfs at ${mountPoint} (needs root or CAP_SYS_ADMIN)`);
}

let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
const filler = path.join(mountPoint, 'filler');

beforeAll(async () => {
  if (!mounted) return;
  env = await createTestEnv({ env: { STORAGE_DIR: path.join(mountPoint, 'storage') } });
  registerCatalogueJobs(env.ctx);
  librarian = await signInAs(env.app, env.ctx, 'librarian');
});
afterAll(async () => {
  if (!mounted) return;
  await env?.cleanup();
  execFileSync('umount', [mountPoint]);
  await fs.rmdir(mountPoint);
});

/** Writes until the file system says ENOSPC, down to single bytes: not one byte is left. */
async function fillDisk(): Promise<void> {
  const fh = await fs.open(filler, 'a');
  try {
    for (const size of [256 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          await fh.write(chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    await fh.close();
  }
}
const freeDisk = () => fs.rm(filler, { force: true });

const pdf = (title: string) => tinyPdf({ title, pages: ['Trang một', 'Trang hai'], padBytesPerPage: 100_000 });
const upload = (data: Buffer, name: string, json: boolean) => {
  const req = librarian.agent.post('/admin/books/upload').set('x-csrf-token', librarian.csrf);
  if (json) req.set('Accept', 'application/json');
  return req.attach('files', data, { filename: name, contentType: 'application/pdf' });
};

describe.skipIf(!mounted)('disk full', () => {
  it('tells the librarian the disk is full (507), in Vietnamese and as JSON, and leaves no partial file', async () => {
    await fillDisk();
    try {
      const json = await upload(pdf('Một'), 'mot.pdf', true);
      expect(json.status).toBe(507);
      expect(json.body.error.code).toBe('disk_full');
      expect(json.body.error.message).toContain('hết dung lượng lưu trữ');
      const html = await upload(pdf('Một'), 'mot.pdf', false).set('Accept', 'text/html');
      expect(html.status).toBe(507);
      expect(html.text).toContain('Máy chủ đã hết dung lượng lưu trữ');
      expect(html.text).not.toMatch(/ENOSPC|no space left|\/tmp\//i);
      expect(await fs.readdir(path.join(env.config.storageDir, 'tmp')).catch(() => [])).toEqual([]);
      expect((await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 5, offset: 0 })).total).toBe(0);
    } finally {
      await freeDisk();
    }
  });

  it('keeps a book whose ingest hit the full disk waiting with a translated reason, and processes it once space returns', async () => {
    const res = await upload(pdf('Hai'), 'hai.pdf', true).expect(200);
    const bookId = (await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 5, offset: 0 })).rows[0].id;
    expect(res.status).toBe(200);

    await fillDisk();
    try {
      // Many more rounds than the job's 3 attempts: a full disk does not spend them.
      for (let round = 0; round < 6; round++) {
        await new Promise((r) => setTimeout(r, 150)); // past the retry backoff
        await env.ctx.jobs.runDueJobs();
        await env.ctx.jobs.idle();
      }
      const book = (await env.ctx.repos.books.findById(bookId))!;
      expect(book).toMatchObject({ ingest_status: 'queued', ingest_error: INGEST_ERROR_KEYS.disk_full });
      const job = (await env.ctx.repos.jobs.list({ limit: 50 })).find((j) => j.type === 'catalogue.ingest')!;
      expect(job).toMatchObject({ status: 'queued', attempts: 0 });
      const page = await librarian.agent.get(`/admin/books/${bookId}`).expect(200);
      expect(page.text).toContain('Máy chủ hết dung lượng lưu trữ khi xử lý sách này');
      expect(page.text).not.toMatch(/ENOSPC|no space left/i);
    } finally {
      await freeDisk();
    }

    await expect
      .poll(
        async () => {
          await env.ctx.jobs.runDueJobs();
          await env.ctx.jobs.idle();
          return (await env.ctx.repos.books.findById(bookId))?.ingest_status;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe('indexed');
    expect((await env.ctx.repos.books.findById(bookId))?.ingest_error).toBeNull();
  });
});
