import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { flateBombPdf, manyPagesPdf } from '../../helpers/pdf-bombs.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';
import { drainJobs } from './support.ts';

/**
 * Bombs through the real pipeline (upload → ingest job → book page): a refused or failed bomb
 * carries the translated "too heavy" reason, the server keeps answering, and an ordinary book
 * uploaded with it is ingested. The bombs are generated here.
 */
let env: TestEnv;
let librarian: { agent: Agent; csrf: string };

beforeAll(async () => {
  env = await createTestEnv({ env: { UPLOAD_MAX_MB: '40' } });
  registerCatalogueJobs(env.ctx);
  librarian = await signInAs(env.app, env.ctx, 'librarian');
});
afterAll(() => env.cleanup());

const upload = (files: Array<{ name: string; data: Buffer }>) => {
  let req = librarian.agent.post(`/admin/books/upload`).set('X-CSRF-Token', librarian.csrf).set('Accept', 'application/json');
  for (const f of files) req = req.attach('files', f.data, { filename: f.name, contentType: 'application/pdf' });
  return req;
};

describe('PDF bombs in the catalogue', () => {
  it('a flate bomb fails its ingest with the translated reason; the ordinary book beside it is ingested', async () => {
    const res = await upload([
      { name: 'bom.pdf', data: await flateBombPdf(1.1 * 1024 * 1024 * 1024) },
      { name: 'sach-thuong.pdf', data: tinyPdf({ title: 'Sách thường', pages: ['Trang một', 'Trang hai'] }) },
    ]).expect(200);
    const [bomb, ordinary] = res.body.results as Array<{ kind: string; bookId: number }>;
    expect(bomb.kind).toBe('created'); // its first pages open: the bomb is on page 2
    expect(ordinary.kind).toBe('created');

    await drainJobs(env.ctx);
    expect(await env.ctx.repos.books.findById(ordinary.bookId)).toMatchObject({ ingest_status: 'indexed', page_count: 2 });
    const failed = (await env.ctx.repos.books.findById(bomb.bookId))!;
    expect(failed).toMatchObject({ ingest_status: 'failed', ingest_error: 'catalogue.reject.tooHeavy' });
    expect(await env.ctx.repos.bookPages.find(bomb.bookId, 1)).toBeFalsy(); // nothing half-extracted kept

    const page = await librarian.agent.get(`/admin/books/${bomb.bookId}`).expect(200);
    expect(page.text).toContain('Tệp PDF quá nặng để xử lý an toàn');
    // The job ended for good: not retried on every restart.
    const jobs = await env.ctx.db.selectFrom('jobs').select(['status', 'payload']).execute();
    const bombJob = jobs.find((j) => Number((j.payload as { bookId?: number }).bookId) === bomb.bookId);
    expect(bombJob?.status).toBe('failed');
  });

  it('a file of 100,000 pages is refused at upload with the reason, and nothing is kept', async () => {
    const data = manyPagesPdf(100_000);
    const before = (await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 100, offset: 0 })).total;
    const res = await upload([{ name: 'tram-nghin-trang.pdf', data }]).expect(422);
    expect(res.body.results[0]).toMatchObject({ kind: 'rejected' });
    expect(res.body.results[0].reason).toContain('Tệp PDF quá nặng để xử lý an toàn');
    expect((await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 100, offset: 0 })).total).toBe(before);
    await librarian.agent.get('/admin/books').expect(200); // still serving
  });
});
