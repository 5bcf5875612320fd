import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { ingestProgress, ingestProgressText } from '../../../src/features/catalogue/ingest/ingest-progress.ts';
import { translator } from '../../../src/http/i18n/index.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';
import { drainJobs } from './support.ts';

/**
 * A librarian watching a book being processed: "120 / 400 trang · còn khoảng 3 phút" rather than
 * "(400)", and a publish button that looks disabled and says why while it cannot be used.
 */
let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
let bookId: number;

beforeAll(async () => {
  env = await createTestEnv();
  registerCatalogueJobs(env.ctx);
  librarian = await signInAs(env.app, env.ctx, 'librarian');
  await librarian.agent
    .post(`/admin/books/upload`)
    .set('X-CSRF-Token', librarian.csrf)
    .attach('files', tinyPdf({ pages: ['Một', 'Hai', 'Ba', 'Bốn'] }), { filename: 'bon-trang.pdf', contentType: 'application/pdf' })
    .expect(200);
  bookId = (await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 1, offset: 0 })).rows[0].id;
});
afterAll(() => env.cleanup());

const setState = (state: Record<string, unknown>) => env.ctx.db.updateTable('books').set(state).where('id', '=', bookId).execute();

describe('ingest progress', () => {
  it('a real ingest records the page total and when it started', async () => {
    await drainJobs(env.ctx);
    const book = (await env.ctx.repos.books.findById(bookId))!;
    expect(book.ingest_status).toBe('indexed');
    expect([book.ingest_progress, book.ingest_total, book.page_count]).toEqual([4, 4, 4]);
    expect(Date.now() - book.ingest_started_at!.getTime()).toBeLessThan(120_000); // this run's start (the upload may have begun it)
  });

  it('reads "n / total trang" with the time left, on the page and in the status the script polls', async () => {
    // 120 of 400 pages in 60 s: 280 pages at 0.5 s each → 140 s → "about 3 minutes".
    await setState({
      ingest_status: 'extracting',
      ingest_progress: 120,
      ingest_total: 400,
      ingest_started_at: new Date(Date.now() - 60_000),
    });
    const page = (await librarian.agent.get(`/admin/books/${bookId}`).expect(200)).text;
    expect(page).toContain('<span data-field="progress">(120 / 400 trang · còn khoảng 3 phút)</span>');
    expect(page).toMatch(/<progress data-field="bar" max="400" value="120">/);
    const status = (await librarian.agent.get(`/admin/books/${bookId}/status`).expect(200)).body as Record<string, unknown>;
    expect(status).toMatchObject({ progress: 120, progressTotal: 400, progressText: '120 / 400 trang · còn khoảng 3 phút', done: false });

    // The publish button is disabled and says why, to the eye and to screen readers.
    expect(page).toMatch(/<button type="submit" disabled aria-describedby="publish-why">Xuất bản<\/button>/);
    expect(page).toContain('id="publish-why">Chưa xuất bản được: sách đang được xử lý');
  });

  it('says why when processing failed, and enables the button once the book is ready', async () => {
    await setState({ ingest_status: 'failed', ingest_error: 'corrupt' });
    const failed = (await librarian.agent.get(`/admin/books/${bookId}`).expect(200)).text;
    expect(failed).toContain('id="publish-why">Chưa xuất bản được: xử lý tệp PDF bị lỗi');
    await setState({ ingest_status: 'indexed', ingest_error: null });
    const ready = (await librarian.agent.get(`/admin/books/${bookId}`).expect(200)).text;
    // Whatever else may still block it (the consent gate), a disabled button always names a reason.
    const button = /<button type="submit"([^>]*)>Xuất bản<\/button>/.exec(ready)![1];
    if (button.includes('disabled')) expect(ready).toContain('id="publish-why">Chưa xuất bản được: cần giải quyết các lý do ở trên.');
    else expect(ready).not.toContain('id="publish-why"');
  });

  it('the disabled look lives in app.css, which every admin page loads', async () => {
    const css = (await librarian.agent.get('/static/css/app.css').expect(200)).text;
    expect(css).toMatch(/button:disabled:not\(\.link\)[\s\S]*?cursor: not-allowed/);
  });
});

describe('progress wording', () => {
  const t = translator('vi');
  const at = (done: number, total: number | null, secondsAgo: number) =>
    ingestProgressText(
      ingestProgress(
        {
          ingest_status: 'extracting',
          ingest_progress: done,
          ingest_total: total,
          ingest_started_at: new Date(10_000_000 - secondsAgo * 1000),
        },
        new Date(10_000_000),
      ),
      t,
    );
  it('says what it knows', () => {
    expect(at(0, null, 0)).toBe('');
    expect(at(2, null, 10)).toBe('đã xong 2 trang');
    expect(at(2, 400, 10)).toBe('2 / 400 trang'); // too early for a rate
    expect(at(390, 400, 60)).toBe('390 / 400 trang · còn dưới 1 phút');
    expect(at(10, 1000, 60)).toBe('10 / 1000 trang · còn khoảng 1 giờ 39 phút');
    expect(at(100, 400, 119)).toBe('100 / 400 trang · còn khoảng 6 phút');
  });
});
