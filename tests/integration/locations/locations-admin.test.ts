import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { insertPublishedBook } from '../stats/fixtures.ts';

const run = promisify(execFile);
const BASE = 'https://doan-phuong4.example.vn';
let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
let tmp: string;

beforeAll(async () => {
  env = await createTestEnv({ env: { PUBLIC_BASE_URL: BASE, COOKIE_SECURE: 'false' } });
  librarian = await signInAs(env.app, env.ctx, 'librarian');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-qr-'));
});
afterAll(async () => {
  await env.cleanup();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Decodes a QR code with a real scanner (zbarimg, Debian's zbar-tools); null when it is not installed. */
async function zbar(file: string): Promise<string | null> {
  try {
    const { stdout } = await run('zbarimg', ['--raw', '-q', file]);
    return stdout.trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (process.env.CI === 'true') throw new Error('zbarimg missing: CI must install zbar-tools', { cause: err });
      console.warn('[qr decode skipped] zbarimg not found (apt-get install zbar-tools)');
      return null;
    }
    throw err;
  }
}

function create(fields: Record<string, string>) {
  return librarian.agent
    .post('/admin/locations')
    .type('form')
    .send({ _csrf: librarian.csrf, ...fields });
}

describe('location management', () => {
  it('validates the form and re-renders it in Vietnamese with the typed values', async () => {
    const res = await create({ name: '', kind: 'sân bóng', address: '5 Trần Hưng Đạo' }).expect(400);
    expect(res.text).toContain('Vui lòng điền mục này.');
    expect(res.text).toContain('Vui lòng chọn loại điểm.');
    expect(res.text).toContain('value="5 Trần Hưng Đạo"');
    expect((await env.ctx.repos.locations.list(DEFAULT_LIBRARY_ID)).length).toBe(0);
  });

  it('creates, edits, deactivates and reactivates a location; the code never changes', async () => {
    const res = await create({
      name: 'Nhà văn hóa khu phố 1',
      kind: 'community_house',
      address: '1 Nguyễn Trãi',
      ward: 'Phường 4',
      contact: 'Chị Lan 0901 234 567',
      note: 'Dán cạnh bảng tin',
    }).expect(303);
    const id = Number(res.headers.location.split('/').pop());
    const before = (await env.ctx.repos.locations.findById(id))!;
    const page = await librarian.agent.get(`/admin/locations/${id}`).expect(200);
    expect(page.text).toContain(`${BASE}/q/${before.code}`);
    expect(page.text).toContain('Chị Lan 0901 234 567');

    await librarian.agent
      .post(`/admin/locations/${id}`)
      .type('form')
      .send({ _csrf: librarian.csrf, name: 'Nhà văn hóa khu phố 1 (mới)', kind: 'community_house', ward: 'Phường 4' })
      .expect(303);
    await librarian.agent.post(`/admin/locations/${id}/deactivate`).type('form').send({ _csrf: librarian.csrf }).expect(303);
    let after = (await env.ctx.repos.locations.findById(id))!;
    expect([after.name, after.active, after.code]).toEqual(['Nhà văn hóa khu phố 1 (mới)', false, before.code]);
    expect(after.deactivated_at).toBeInstanceOf(Date);
    expect((await librarian.agent.get(`/admin/locations/${id}`)).text).toContain('Điểm này đã ngừng hoạt động');
    await librarian.agent.post(`/admin/locations/${id}/activate`).type('form').send({ _csrf: librarian.csrf }).expect(303);
    after = (await env.ctx.repos.locations.findById(id))!;
    expect([after.active, after.deactivated_at]).toEqual([true, null]);
  });

  it('refuses state changes without a CSRF token', async () => {
    await librarian.agent.post('/admin/locations').type('form').send({ name: 'Không token', kind: 'cafe' }).expect(403);
  });
});

describe('QR codes and posters', () => {
  it('serves PNG and SVG in several sizes that a real scanner decodes to exactly the printed URL', async () => {
    const res = await create({ name: 'Quán cà phê Đọc', kind: 'cafe' }).expect(303);
    const id = Number(res.headers.location.split('/').pop());
    const { code } = (await env.ctx.repos.locations.findById(id))!;
    const url = `${BASE}/q/${code}`;
    for (const size of [256, 512, 1024]) {
      const png = await librarian.agent
        .get(`/admin/locations/${id}/qr/${size}.png`)
        .buffer(true)
        .expect(200)
        .expect('Content-Type', 'image/png');
      expect(png.body.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.body.readUInt32BE(16)).toBe(size); // PNG width
      const file = path.join(tmp, `qr-${size}.png`);
      await fs.writeFile(file, png.body);
      const decoded = await zbar(file);
      if (decoded !== null) expect(decoded).toBe(url);
    }
    const svg = await librarian.agent.get(`/admin/locations/${id}/qr/512.svg?download=1`).buffer(true).expect(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.headers['content-disposition']).toBe(`attachment; filename="qr-${code}-512.svg"`);
    expect(String(svg.body)).toMatch(/^<svg[^>]+width="512"/);
    await librarian.agent.get(`/admin/locations/${id}/qr/300.png`).expect(404);
    await librarian.agent.get(`/admin/locations/${id}/qr/512.gif`).expect(404);
  });

  it('renders A4 and A5 posters with the library, the place, the QR, an invitation and the URL in text', async () => {
    const res = await create({ name: 'Trường THPT Nguyễn Du', kind: 'school' }).expect(303);
    const id = Number(res.headers.location.split('/').pop());
    const { code } = (await env.ctx.repos.locations.findById(id))!;
    for (const size of ['a4', 'a5']) {
      const poster = await librarian.agent.get(`/admin/locations/${id}/poster?size=${size}`).expect(200);
      expect(poster.text).toContain(`size: ${size.toUpperCase()} portrait`);
      expect(poster.text).toContain('<p class="library">Thư viện số</p>');
      expect(poster.text).toContain('Trường THPT Nguyễn Du');
      expect(poster.text).toContain('Quét mã QR để đọc sách miễn phí');
      expect(poster.text).toContain(`<p class="url">${BASE}/q/${code}</p>`);
      expect(poster.text).toContain(`src="/admin/locations/${id}/qr/1024.svg"`);
    }
  });

  it('makes a poster for one book at a place: the QR leads to /q/:code/:bookId', async () => {
    const res = await create({ name: 'Thư viện trường', kind: 'library' }).expect(303);
    const id = Number(res.headers.location.split('/').pop());
    const { code } = (await env.ctx.repos.locations.findById(id))!;
    const bookId = await insertPublishedBook(env.ctx, 'Truyện Kiều');
    const poster = await librarian.agent.get(`/admin/locations/${id}/poster?size=a5&book=${bookId}`).expect(200);
    expect(poster.text).toContain('Sách: Truyện Kiều');
    expect(poster.text).toContain(`${BASE}/q/${code}/${bookId}`);
    const png = await librarian.agent.get(`/admin/locations/${id}/qr/512.png?book=${bookId}`).buffer(true).expect(200);
    const file = path.join(tmp, 'book.png');
    await fs.writeFile(file, png.body);
    const decoded = await zbar(file);
    if (decoded !== null) expect(decoded).toBe(`${BASE}/q/${code}/${bookId}`);
    await librarian.agent.get(`/admin/locations/${id}/poster?book=999999`).expect(404);
  });
});
