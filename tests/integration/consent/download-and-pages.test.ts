import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import { withStaff } from '../../helpers/auth.ts';
import { draftBook, publishAndIndex, recordConsent } from '../../helpers/consent-fixtures.ts';

const clock = new ManualClock(new Date('2025-06-15T03:00:00Z'));
const t = withStaff(clock);

describe('download gate on the reader site', () => {
  it('read-online only when a consent does not allow downloads: no link, and ?download=1 is refused', async () => {
    const id = await draftBook(t.env.ctx, 'Sách chỉ đọc trực tuyến');
    await recordConsent(t.env.ctx, id, { holder: 'Tác giả Chỉ Đọc', allowDownload: false });
    await publishAndIndex(t.env.ctx, id);
    const page = await request(t.env.app).get(`/sach/${id}`).redirects(2).expect(200);
    expect(page.text).not.toContain('download=1');
    expect(page.text).toContain('Được tác giả/chủ sở hữu đồng ý chia sẻ miễn phí, phi thương mại.');
    const reader = await request(t.env.app).get(`/doc/${id}`).expect(200);
    expect(reader.text).not.toContain('download=1');
    await request(t.env.app).get(`/sach/${id}/tep.pdf?download=1`).expect(403);
    // Read online only: not even the inline file (tests/integration/reader/online-only.test.ts has every path).
    await request(t.env.app).get(`/sach/${id}/tep.pdf`).expect(403);
  });

  it('offers the download when every consent allows it', async () => {
    const id = await draftBook(t.env.ctx, 'Sách được tải về');
    await recordConsent(t.env.ctx, id, { holder: 'Tác giả Cho Tải Về', allowDownload: true });
    await publishAndIndex(t.env.ctx, id);
    const page = await request(t.env.app).get(`/sach/${id}`).redirects(2).expect(200);
    expect(page.text).toContain(`/sach/${id}/tep.pdf?download=1`);
    const file = await request(t.env.app).get(`/sach/${id}/tep.pdf?download=1`).expect(200);
    expect(file.headers['content-disposition']).toMatch(/^attachment/);
  });

  it('shows the public-domain or licence statement instead for those bases', async () => {
    const id = await draftBook(t.env.ctx, 'Bình Ngô đại cáo');
    await t.env.ctx.services.consent.setBasis(
      id,
      { basis: 'public_domain', note: 'Tác phẩm thế kỷ XV.', licenceName: '', licenceUrl: '', allowDownload: true },
      null,
    );
    await publishAndIndex(t.env.ctx, id);
    const page = await request(t.env.app).get(`/sach/${id}`).redirects(2).expect(200);
    expect(page.text).toContain('Tác phẩm thuộc phạm vi công cộng.');
    expect(page.text).toContain(`/sach/${id}/tep.pdf?download=1`);
  });
});

describe('admin pages: book rights, rights holders, register', () => {
  it('a rights holder page lists their books; the book page shows consents and evidence links', async () => {
    const { agent, csrf } = t.staff.librarian;
    const created = await agent
      .post('/admin/rights-holders')
      .type('form')
      .send({
        _csrf: csrf,
        name: 'Nguyễn Thị Thừa Kế',
        kind: 'heir',
        phone: '0901 234 567',
        email: 'thuake@example.vn',
        zalo: '0901234567',
        address: 'Huế',
        notes: 'Con gái của tác giả.',
      })
      .expect(303);
    const holderUrl = created.headers.location;
    const holderId = Number(holderUrl.split('/').pop());
    const a = await draftBook(t.env.ctx, 'Tuyển tập thơ A');
    const b = await draftBook(t.env.ctx, 'Tuyển tập thơ B');
    for (const bookId of [a, b]) {
      await agent
        .post(`/admin/consents/books/${bookId}/holders`)
        .type('form')
        .send({ _csrf: csrf, rightsHolderId: String(holderId), role: 'heir' })
        .expect(303);
    }
    const holderPage = await agent.get(holderUrl).expect(200);
    expect(holderPage.text).toContain('Tuyển tập thơ A');
    expect(holderPage.text).toContain('Tuyển tập thơ B');
    expect(holderPage.text).toContain('value="0901 234 567"');
    const list = await agent.get('/admin/rights-holders?q=thừa').expect(200);
    expect(list.text).toContain('Nguyễn Thị Thừa Kế');
    expect(list.text).toMatch(/<td>2<\/td>/);

    const bad = await agent
      .post(`/admin/rights-holders/${holderId}`)
      .type('form')
      .send({ _csrf: csrf, name: '', kind: 'heir', email: 'không-phải-email' })
      .expect(400);
    expect(bad.text).toContain('Email không hợp lệ.');
    expect(bad.text).toContain('Vui lòng điền mục này.');

    const bookPage = await agent.get(`/admin/consents/books/${a}`).expect(200);
    expect(bookPage.text).toContain('Nguyễn Thị Thừa Kế');
    expect(bookPage.text).toContain('Chưa có sự đồng ý của Nguyễn Thị Thừa Kế (người thừa kế).');
    await t.staff.leader.agent.get(`/admin/consents/books/${a}`).expect(403);
  });

  it('the consent register lists every published book with its basis, holders and dates (page and CSV), for leaders too', async () => {
    const id = await draftBook(t.env.ctx, 'Sách trong sổ đăng ký');
    await recordConsent(t.env.ctx, id, {
      holder: 'Tác giả Sổ, "Bút danh"',
      grantedOn: '2025-05-20',
      endsOn: '2027-05-19',
      allowDownload: true,
    });
    await publishAndIndex(t.env.ctx, id);
    const draft = await draftBook(t.env.ctx, 'Sách nháp không vào sổ');
    await recordConsent(t.env.ctx, draft, { holder: 'Tác giả Nháp' });

    const page = await t.staff.leader.agent.get('/admin/consents/register').expect(200);
    expect(page.text).toContain('Sổ đăng ký đồng ý chia sẻ');
    expect(page.text).toContain('Sách trong sổ đăng ký');
    expect(page.text).toContain('20/05/2025');
    expect(page.text).toContain('19/05/2027');
    expect(page.text).toContain('Bình Ngô đại cáo');
    expect(page.text).toContain('Tác phẩm thế kỷ XV.');
    expect(page.text).not.toContain('Sách nháp không vào sổ');

    const csv = await t.staff.leader.agent.get('/admin/consents/register/export.csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="so-dang-ky-dong-y-2025-06-15\.csv"$/);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'book_id,title,published_on,basis,basis_note,licence,licence_url,rights_holder,role,consent_id,consent_status,method,granted_on,starts_on,ends_on,allow_download,non_commercial,sharing_scope,evidence_files',
    );
    const row = lines.find((l) => l.includes('Sách trong sổ đăng ký'))!;
    expect(row).toContain('"Tác giả Sổ, ""Bút danh"""');
    expect(row).toContain('Đã đồng ý,Thư giấy,20/05/2025,20/05/2025,19/05/2027,Có,Có,Chỉ thư viện này,0');
    expect(lines.some((l) => l.includes('Sách nháp'))).toBe(false);
  });
});
