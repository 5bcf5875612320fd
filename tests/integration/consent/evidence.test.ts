import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import { withStaff, type Agent } from '../../helpers/auth.ts';
import { draftBook, jpegBytes, letterPdf, pngBytes, publishAndIndex } from '../../helpers/consent-fixtures.ts';

const clock = new ManualClock(new Date('2025-06-15T03:00:00Z'));
const t = withStaff(clock);
let bookId: number;
beforeAll(async () => {
  bookId = await draftBook(t.env.ctx, 'Sách có bằng chứng');
});

const form = {
  newHolderName: 'Nhà thơ Bằng Chứng',
  newHolderKind: 'author',
  role: 'author',
  status: 'granted',
  method: 'letter',
  grantedOn: '2025-06-01',
  allowDownload: 'yes',
  nonCommercial: 'yes',
  terms: 'Tôi đồng ý cho Thư viện số chia sẻ miễn phí, phi thương mại, cả đọc trực tuyến và tải về.',
};

function postConsent(
  agent: Agent,
  csrf: string,
  files: Array<{ name: string; bytes: Buffer; type?: string }>,
  fields: Record<string, string> = form,
) {
  const req = agent.post(`/admin/consents/books/${bookId}/consents`).field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  for (const f of files) req.attach('evidence', f.bytes, { filename: f.name, contentType: f.type ?? 'application/octet-stream' });
  return req;
}

const tmpFiles = async () =>
  (await fs.readdir(path.join(t.env.config.storageDir, 'tmp')).catch(() => [])).filter((f) => f.endsWith('.evidence'));

describe('evidence files', () => {
  it('accepts a scanned letter (PDF), a photo (JPEG) and a screenshot (PNG) with the consent, stored privately', async () => {
    const { agent, csrf } = t.staff.librarian;
    const files = [
      { name: 'Thư đồng ý.pdf', bytes: letterPdf() },
      { name: 'ảnh chụp thư.jpg', bytes: jpegBytes() },
      { name: 'zalo.png', bytes: pngBytes() },
    ];
    await postConsent(agent, csrf, files).expect(303);
    const overview = await t.env.ctx.services.consent.bookOverview(bookId);
    expect(overview.consents).toHaveLength(1);
    const evidence = overview.evidence.get(overview.consents[0].id)!;
    expect(evidence.map((e) => [e.original_name, e.mime_type])).toEqual([
      ['Thư đồng ý.pdf', 'application/pdf'],
      ['ảnh chụp thư.jpg', 'image/jpeg'],
      ['zalo.png', 'image/png'],
    ]);
    for (const e of evidence) {
      const stored = await fs.readFile(t.env.ctx.storage.path('evidence', e.storage_key));
      expect(stored.equals(files.find((f) => f.name === e.original_name)!.bytes)).toBe(true);
      expect(e.storage_key).toMatch(/^[0-9a-f]{64}\.(pdf|jpg|png)$/);
    }
    expect(await tmpFiles()).toEqual([]);
    // The PDF was opened by the catalogue's PDF worker: pdf.js never ran on the thread that serves
    // requests (it would block it, and its core-js polyfills would slow the whole server).
    expect('pdfjsWorker' in globalThis, 'pdf.js loaded on the server thread').toBe(false);
    const page = await agent.get(`/admin/consents/books/${bookId}`).expect(200);
    expect(page.text).toContain('Thư đồng ý.pdf');
    expect(page.text).toContain(`/admin/consents/evidence/${evidence[0].id}`);

    // Librarians can open it; it is never cached.
    const file = await agent.get(`/admin/consents/evidence/${evidence[0].id}`).expect(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['cache-control']).toBe('private, no-store');
    expect(file.headers['content-disposition']).toContain("filename*=UTF-8''Th%C6%B0%20%C4%91%E1%BB%93ng%20%C3%BD.pdf");
  });

  it('is not reachable by the public, by leaders, or through static paths', async () => {
    const [e] = await t.env.ctx.db.selectFrom('consent_evidence').selectAll().orderBy('id').limit(1).execute();
    const anonymous = await request(t.env.app).get(`/admin/consents/evidence/${e.id}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/dang-nhap/);
    await t.staff.leader.agent.get(`/admin/consents/evidence/${e.id}`).expect(403);
    for (const url of [
      `/static/${e.storage_key}`,
      `/static/../storage/evidence/${e.storage_key}`,
      `/storage/evidence/${e.storage_key}`,
      `/evidence/${e.storage_key}`,
    ]) {
      const res = await request(t.env.app).get(url);
      expect([301, 302, 404], url).toContain(res.status);
      expect(res.headers['content-type'] ?? '', url).not.toContain('application/pdf');
    }
    // Not listed on any public page either.
    await publishAndIndex(t.env.ctx, bookId, t.staff.librarian.user);
    const publicPage = await request(t.env.app).get(`/sach/${bookId}`).redirects(2).expect(200);
    expect(publicPage.text).not.toContain('/admin/consents/evidence');
    expect(publicPage.text).not.toContain('Thư đồng ý');
  });

  it('refuses files that are not really PDF/JPEG/PNG, whatever their name, and keeps nothing of the rejected submission', async () => {
    const { agent, csrf } = t.staff.librarian;
    const before = await t.env.ctx.db
      .selectFrom('consent_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const cases = [
      { name: 'thu.pdf', bytes: Buffer.from('đây không phải là PDF, chỉ là văn bản') },
      {
        name: 'anh.png',
        bytes: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not a real png')]),
      },
      { name: 'anh.jpg', bytes: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) },
      { name: 'hong.pdf', bytes: Buffer.from('%PDF-1.4\nrubbish without any objects\n%%EOF') },
      { name: 'trang.html', bytes: Buffer.from('<script>alert(1)</script>'), type: 'text/html' },
    ];
    for (const c of cases) {
      const res = await postConsent(agent, csrf, [{ name: 'ok.png', bytes: pngBytes(10, 10) }, c], {
        ...form,
        newHolderName: `Người ${c.name}`,
      });
      expect(res.status, c.name).toBe(400);
      const reason =
        c.name === 'hong.pdf' || c.name === 'anh.jpg' ? 'Không đọc được tệp bằng chứng' : 'Tệp bằng chứng phải là PDF, JPEG hoặc PNG.';
      expect(res.text, c.name).toContain(reason);
      expect(res.text).toContain(`value="Người ${c.name}"`); // the form comes back with what was typed
    }
    const after = await t.env.ctx.db
      .selectFrom('consent_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await t.env.ctx.db.selectFrom('rights_holders').select('id').where('name', 'like', 'Người %').execute()).toEqual([]);
    expect(await tmpFiles()).toEqual([]);
  });

  it('refuses a file over 20 MB and more than 5 files', async () => {
    const { agent, csrf } = t.staff.librarian;
    const big = Buffer.concat([pngBytes(), Buffer.alloc(20 * 1024 * 1024 + 10)]);
    const tooBig = await postConsent(agent, csrf, [{ name: 'lon.png', bytes: big }]).expect(400);
    expect(tooBig.text).toContain('Tệp bằng chứng quá lớn (tối đa 20 MB).');
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `anh${i}.png`, bytes: pngBytes(5 + i, 5) }));
    const tooMany = await postConsent(agent, csrf, six).expect(400);
    expect(tooMany.text).toContain('Tối đa 5 tệp bằng chứng mỗi lần.');
    expect(await tmpFiles()).toEqual([]);
  });

  it('adds evidence to an existing consent and requires the CSRF token for uploads', async () => {
    const { agent, csrf } = t.staff.librarian;
    const [consent] = (await t.env.ctx.services.consent.bookOverview(bookId)).consents;
    await agent.post(`/admin/consents/${consent.id}/evidence`).attach('evidence', pngBytes(30, 30), 'them.png').expect(403);
    await agent
      .post(`/admin/consents/${consent.id}/evidence`)
      .field('_csrf', csrf)
      .attach('evidence', pngBytes(30, 30), 'them.png')
      .expect(303);
    const { evidence } = await t.env.ctx.services.consent.get(consent.id);
    expect(evidence.map((e) => e.original_name)).toContain('them.png');
    const audit = await t.env.ctx.services.audit.list({ action: 'evidence.added', bookId, limit: 10 });
    expect(audit.map((a) => (a.after as { file: string }).file)).toContain('them.png');
  });
});
