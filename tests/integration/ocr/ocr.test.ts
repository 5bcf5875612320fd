import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../src/db/schema/jobs.ts';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { ocrHandler } from '../../../src/features/ocr/ocr.job.ts';
import { registerOcrJobs } from '../../../src/features/ocr/ocr.module.ts';
import { OCR_JOB } from '../../../src/features/ocr/ocr.service.ts';
import type { AppContext } from '../../../src/context.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { imageOnlyPdf } from '../../helpers/image-pdf.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { drainJobs } from '../catalogue/support.ts';
import { openPublishGate } from '../../helpers/publish-gates.ts';

/**
 * OCR through the real job queue, pdf.js worker threads and tesseract.js with the installed
 * Vietnamese model (issue 15). The PDFs are generated "scans": Vietnamese text typeset, rendered
 * and wrapped as pictures, so there is no text layer and the ground truth is known. Kept to a
 * few pages: tesseract takes seconds per page on the shared 2-core machine.
 */

const PAGE_1 = ['Hợp tác xã nông nghiệp Quỳnh Lưu', 'thu hoạch lúa chiêm trên cánh đồng.'];
const PAGE_2 = ['Đoàn thanh niên phường Bến Nghé', 'tổ chức ngày hội đọc sách.'];

async function upload(librarian: { agent: Agent; csrf: string }, name: string, pdf: Buffer): Promise<number> {
  const res = await librarian.agent
    .post(`/admin/books/upload`)
    .set('X-CSRF-Token', librarian.csrf)
    .set('Accept', 'application/json')
    .attach('files', pdf, { filename: name, contentType: 'application/pdf' })
    .expect(200);
  return res.body.results[0].bookId as number;
}

const pageRows = (ctx: AppContext, bookId: number) =>
  ctx.db
    .selectFrom('book_pages')
    .select(['page_number', 'text', 'source', 'ocr_state', 'ocr_confidence'])
    .where('book_id', '=', bookId)
    .orderBy('page_number')
    .execute();

/** Counts recognitions, so a test can tell which pages a run actually recognised. */
function countRecognitions(ctx: AppContext): { calls: number } {
  const counter = { calls: 0 };
  const holder = ctx.services.ocrEngine;
  const real = holder.get.bind(holder);
  holder.get = () => {
    const engine = real();
    return { recognize: (image) => (counter.calls++, engine.recognize(image)), close: () => engine.close() };
  };
  return counter;
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/gi, 'd')
    .replace(/\s+/g, ' ')
    .toLowerCase();

describe('OCR of an image-only PDF, through the real job queue', () => {
  let env: TestEnv;
  let librarian: { agent: Agent; csrf: string };
  let scanOne: Buffer;
  let scanTwo: Buffer;

  beforeAll(async () => {
    env = await createTestEnv({ publishGate: openPublishGate });
    registerCatalogueJobs(env.ctx); // OCR is registered later, to interrupt it on purpose first
    librarian = await signInAs(env.app, env.ctx, 'librarian');
    [scanOne, scanTwo] = await Promise.all([imageOnlyPdf([PAGE_1], 150), imageOnlyPdf([PAGE_1, PAGE_2], 150)]);
  }, 120_000);
  afterAll(() => env?.cleanup());

  it('resumes page by page after an interruption: a page recognised before it is not recognised again', { timeout: 240_000 }, async () => {
    const id = await upload(librarian, 'quet-hai-trang.pdf', scanTwo);
    await drainJobs(env.ctx); // ingest only: the OCR job waits in the queue
    expect((await pageRows(env.ctx, id)).map((p) => p.ocr_state)).toEqual(['pending', 'pending']);
    expect((await env.ctx.repos.books.findById(id))!.ocr_status).toBe('queued');

    // A run that is interrupted (shutdown) right after recognising its first page.
    const abort = new AbortController();
    const counter = countRecognitions(env.ctx);
    const handler = ocrHandler({
      db: env.ctx.db,
      repo: env.ctx.repos.ocr,
      service: env.ctx.services.ocr,
      books: env.ctx.repos.books,
      indexer: env.ctx.services.searchIndexer,
      storage: env.ctx.storage,
      pdf: () => env.ctx.services.pdf.get(),
      ocr: () => {
        const engine = env.ctx.services.ocrEngine.get();
        return { recognize: async (img) => engine.recognize(img).finally(() => abort.abort()), close: () => engine.close() };
      },
      concurrency: 1,
      dpi: 300,
      log: env.ctx.log,
    });
    await expect(
      handler({ bookId: id }, { job: { id: 0 } as Job, signal: abort.signal, assertLease: async () => undefined }),
    ).rejects.toThrow();
    expect(counter.calls).toBe(1);
    let rows = await pageRows(env.ctx, id);
    expect(rows.map((p) => p.ocr_state)).toEqual(['done', 'pending']);
    const firstText = rows[0].text;

    // The queued job now runs for real and only recognises what is left.
    registerOcrJobs(env.ctx);
    await drainJobs(env.ctx);
    expect(counter.calls).toBe(2);
    rows = await pageRows(env.ctx, id);
    expect(rows.map((p) => [p.ocr_state, p.source])).toEqual([
      ['done', 'ocr'],
      ['done', 'ocr'],
    ]);
    expect(rows[0].text).toBe(firstText);
    expect(fold(rows[1].text)).toContain(fold('ngày hội đọc sách'));
    expect((await env.ctx.repos.books.findById(id))!.ocr_status).toBe('done');
  });

  it(
    'makes the page searchable without diacritics, marks it in text mode and shows progress to the librarian',
    { timeout: 240_000 },
    async () => {
      const id = await upload(librarian, 'sach-quet.pdf', scanOne);
      await drainJobs(env.ctx);
      const [page] = await pageRows(env.ctx, id);
      expect(page.source).toBe('ocr');
      expect(page.ocr_confidence).toBeGreaterThan(60);
      expect(fold(page.text)).toContain(fold('Quỳnh Lưu thu hoạch lúa chiêm'));

      await env.ctx.services.books.publish(id, { id: 1, role: 'librarian' } as never);
      await drainJobs(env.ctx);
      const res = await request(env.app).get('/api/search').query({ q: 'hop tac xa quynh luu lua chiem' }).expect(200);
      const passages = res.body.passages as Array<{ bookId: number; pageNumber: number }>;
      expect(passages).toContainEqual(expect.objectContaining({ bookId: id, pageNumber: 1 }));

      const text = await request(env.app).get(`/doc/${id}/trang/1`).expect(200);
      expect(text.text).toContain('Văn bản nhận dạng tự động, có thể có lỗi');

      const admin = await librarian.agent.get(`/admin/books/${id}`).expect(200);
      expect(admin.text).toContain('1 / 1 trang');
      const progress = await librarian.agent.get(`/admin/ocr/books/${id}`).expect(200);
      expect(progress.body).toMatchObject({ status: 'done', total: 1, done: 1, pending: 0 });
    },
  );
});

describe('the off switch and excluded pages', () => {
  let env: TestEnv;
  let librarian: { agent: Agent; csrf: string };

  beforeAll(async () => {
    env = await createTestEnv({ env: { OCR_ENABLED: 'false' } });
    registerCatalogueJobs(env.ctx);
    registerOcrJobs(env.ctx); // a no-op while OCR is off
    librarian = await signInAs(env.app, env.ctx, 'librarian');
  }, 60_000);
  afterAll(() => env?.cleanup());

  it(
    'queues scanned pages durably while OCR is off, lets the librarian exclude pages, and runs the rest once switched on',
    { timeout: 240_000 },
    async () => {
      const id = await upload(librarian, 'tat-ocr.pdf', await imageOnlyPdf([PAGE_1, PAGE_2], 150));
      await drainJobs(env.ctx);
      expect((await pageRows(env.ctx, id)).map((p) => p.ocr_state)).toEqual(['pending', 'pending']);
      const queued = await env.ctx.db.selectFrom('jobs').select('status').where('type', '=', OCR_JOB).execute();
      expect(queued).toEqual([{ status: 'queued' }]);
      const page = await librarian.agent.get(`/admin/books/${id}`).expect(200);
      expect(page.text).toContain('OCR đang tắt');
      expect(page.text).toContain('0 / 2 trang');

      // Bad page lists change nothing; a good one excludes page 2.
      for (const pages of ['abc', '0', '3', '2-1']) {
        await librarian.agent.post(`/admin/ocr/books/${id}/exclude`).type('form').send({ _csrf: librarian.csrf, pages }).expect(303);
        expect((await librarian.agent.get(`/admin/books/${id}`)).text).toContain('Danh sách trang không hợp lệ');
      }
      await librarian.agent.post(`/admin/ocr/books/${id}/exclude`).type('form').send({ pages: '2' }).expect(403); // no CSRF token
      await librarian.agent.post(`/admin/ocr/books/${id}/exclude`).type('form').send({ _csrf: librarian.csrf, pages: '2' }).expect(303);
      expect((await pageRows(env.ctx, id)).map((p) => p.ocr_state)).toEqual(['pending', 'excluded']);

      // Switched on (as after a restart with OCR_ENABLED=true): the waiting job runs, page 2 stays out.
      (env.ctx.config.ocr as { enabled: boolean }).enabled = true;
      registerOcrJobs(env.ctx);
      await drainJobs(env.ctx);
      const rows = await pageRows(env.ctx, id);
      expect(rows.map((p) => [p.ocr_state, p.source])).toEqual([
        ['done', 'ocr'],
        ['excluded', 'pdf'],
      ]);
      expect(rows[1].text).toBe('');
      expect(await librarian.agent.get(`/admin/books/${id}`).then((r) => r.text)).toContain('Các trang đã loại khỏi OCR: 2');
    },
  );
});
