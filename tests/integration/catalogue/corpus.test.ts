import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutlineNode } from '../../../src/db/schema/catalogue.ts';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { CORPUS, corpusFile, storageState } from './pdf-fixtures.ts';

/**
 * Every file of ../shared/corpus (SOURCES.md) through the real upload form and ingest: it is
 * either ingested with the page count and outline SOURCES.md lists, or refused with the right
 * message and nothing left behind. Nothing may crash the server.
 */
type Expect = { pages: number; outline: number } | { reject: string };
const EXPECTED: Record<string, Expect> = {
  'vi/_trang-quynh.pdf': { pages: 53, outline: 33 },
  'vi/_binh-phap-ton-tu.pdf': { pages: 64, outline: 11 },
  'vi/100-mau-chuyen-co-dong-tay.pdf': { pages: 170, outline: 50 },
  'vi/_chuyen-cuoi-co-nhan.pdf': { pages: 381, outline: 210 },
  'vi/_viet-nam-mot-thien-lich-su.pdf': { pages: 492, outline: 143 },
  'vi/_viet-su-toan-thu.pdf': { pages: 817, outline: 47 },
  'vi/_yoga-duong-sinh.pdf': { pages: 87, outline: 0 },
  'vi/108-truyen-ngu-ngon-hay-nhat.pdf': { pages: 116, outline: 0 },
  'vi/_danh-cap-y-tuong.pdf': { pages: 249, outline: 0 },
  'vi/_jose-mourinho-tu-truyen.pdf': { pages: 28, outline: 11 },
  'vi/thuc-don-dinh-duong-cho-be-tu-1-den-3-tuoi.pdf': { pages: 152, outline: 0 },
  'vi/lr_ex.pdf': { pages: 1, outline: 0 },
  'vi/pca_procedure.pdf': { pages: 1, outline: 0 },
  'pdfjs/issue6010_1.pdf': { reject: 'mật khẩu' },
  'pdfjs/issue21579.pdf': { reject: 'mật khẩu' },
  'pdfjs/issue7665.pdf': { pages: 1, outline: 0 },
  'pdfjs/xref_command_missing.pdf': { pages: 1, outline: 0 },
  'pdfjs/REDHAT-1531897-0.pdf': { reject: 'bị hỏng' },
  // pdf.js opens it (2 pages) and reads page 1; the looping page 2 is stored as a failed page with its reason.
  'pdfjs/Pages-tree-refs.pdf': { pages: 2, outline: 0 },
  'pdfjs/nested_outline.pdf': { pages: 9, outline: 9 },
  'pdfjs/90ms_rksj_h_sample.pdf': { pages: 1, outline: 0 },
  'pdfjs/doc_actions.pdf': { pages: 3, outline: 3 },
  'pdfjs/textfields.pdf': { pages: 1, outline: 1 },
  'books/freeculture.pdf': { pages: 352, outline: 58 },
  'books/thinkpython2.pdf': { pages: 264, outline: 240 },
};

const countOutline = (nodes: OutlineNode[] | null): number => (nodes ?? []).reduce((n, x) => n + 1 + countOutline(x.children), 0);

let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
const bookIds = new Map<string, number>();

describe.skipIf(!CORPUS)('the real PDF corpus (../shared/corpus)', () => {
  beforeAll(async () => {
    env = await createTestEnv();
    registerCatalogueJobs(env.ctx);
    librarian = await signInAs(env.app, env.ctx, 'librarian');
  });
  afterAll(() => env?.cleanup());

  it('the corpus has the files SOURCES.md lists', async () => {
    for (const rel of Object.keys(EXPECTED)) await fs.access(corpusFile(rel));
  });

  it('uploads every file: accepted ones become drafts, the others are refused with the right message', async () => {
    for (const [rel, exp] of Object.entries(EXPECTED)) {
      const before = await storageState(env.ctx);
      const res = await librarian.agent
        .post(`/admin/books/upload`)
        .field('_csrf', librarian.csrf)
        .set('Accept', 'application/json')
        .attach('files', await fs.readFile(corpusFile(rel)), path.basename(rel));
      const result = res.body.results?.[0];
      if ('reject' in exp) {
        expect(res.status, rel).toBe(422);
        expect(result.reason, rel).toContain(exp.reject);
        expect(await storageState(env.ctx), rel).toEqual(before);
      } else {
        expect(res.status, `${rel}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(result.kind, rel).toBe('created');
        bookIds.set(rel, result.bookId);
      }
    }
  }, 300_000);

  it('ingests every accepted file with the right page count and outline, off the request path', async () => {
    const started = performance.now();
    env.ctx.jobs.start();
    const ids = [...bookIds.values()];
    for (;;) {
      const states = await env.ctx.repos.books.ingestStates(ids);
      if (states.every((s) => s.ingest_status === 'indexed' || s.ingest_status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(
      `[measure] corpus ingest (${ids.length} books) took ${Math.round((performance.now() - started) / 1000)} s with ${env.config.jobs.concurrency} jobs`,
    );
    for (const [rel, id] of bookIds) {
      const exp = EXPECTED[rel] as { pages: number; outline: number };
      const book = (await env.ctx.repos.books.findById(id))!;
      expect(book.ingest_status, `${rel}: ${book.ingest_error}`).toBe('indexed');
      expect(book.page_count, rel).toBe(exp.pages);
      expect(countOutline(book.outline), rel).toBe(exp.outline);
      const stats = await env.ctx.repos.bookPages.stats(id);
      expect(stats, rel).toEqual({ pages: exp.pages, distinct: exp.pages, maxPage: exp.pages });
    }
  }, 900_000);

  it('flags the scan as needing OCR and the legacy-encoded books for the librarian', async () => {
    const get = async (rel: string) => (await env.ctx.repos.books.findById(bookIds.get(rel)!))!;
    const scan = await get('vi/thuc-don-dinh-duong-cho-be-tu-1-den-3-tuoi.pdf');
    expect(scan.needs_ocr).toBe(true);
    expect(scan.textless_pages.length).toBe(152);
    expect((await get('vi/_trang-quynh.pdf')).needs_ocr).toBe(false);
    expect((await get('vi/_trang-quynh.pdf')).legacy_encoding).toBeNull();
    for (const rel of ['vi/108-truyen-ngu-ngon-hay-nhat.pdf', 'vi/_danh-cap-y-tuong.pdf', 'vi/_jose-mourinho-tu-truyen.pdf']) {
      const b = await get(rel);
      expect(b.legacy_encoding, rel).not.toBeNull();
      expect(b.legacy_pages.length, rel).toBeGreaterThan(0);
    }
    const summary = [];
    for (const rel of bookIds.keys()) {
      const b = await get(rel);
      summary.push(
        `${rel}: ${b.page_count} p, ocr=${b.needs_ocr}, legacy=${b.legacy_encoding ?? '-'} (${b.legacy_pages.length} p), cover=${b.has_cover}, title="${b.title}"`,
      );
    }
    console.log(`[corpus]\n${summary.join('\n')}`);
  });

  it('a Unicode book’s text and metadata are extracted and pre-fill the form', async () => {
    const id = bookIds.get('vi/_trang-quynh.pdf')!;
    const book = (await env.ctx.repos.books.findById(id))!;
    expect(book.has_cover).toBe(true);
    const pages = await env.ctx.repos.bookPages.range(id, 1, 10);
    expect(pages.map((p) => p.text).join(' ')).toMatch(/Trạng|Quỳnh/);
  });
});
