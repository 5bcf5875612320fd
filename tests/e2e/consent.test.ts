import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/infra/clock.ts';
import { createUser, TEST_PASSWORD } from '../helpers/auth.ts';
import { browserApp, browserUnavailable, phoneContext, submitSignIn } from '../helpers/browser.ts';
import { draftBook, letterPdf, pngBytes } from '../helpers/consent-fixtures.ts';
import { createTestEnv } from '../helpers/test-context.ts';

const skipReason = browserUnavailable();

describe.skipIf(skipReason !== null)('recording a consent with evidence and publishing, in a phone browser', () => {
  const t = browserApp(() => createTestEnv({ clock: new ManualClock(new Date('2025-06-15T03:00:00Z')) }));

  it('a librarian records the author’s consent with a scanned letter and a screenshot, then publishes the book', async () => {
    const librarian = await createUser(t.env.ctx, 'librarian', 'thuthu@doanphuong.vn');
    const bookId = await draftBook(t.env.ctx, 'Những ngày thơ ấu');
    const context = await phoneContext(t.browser, { baseURL: t.server.baseURL });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000); // a 2-core machine shared with other suites

    await page.goto(`/admin/consents/books/${bookId}`);
    await page.waitForURL(/\/dang-nhap/);
    await submitSignIn(page, librarian.email, TEST_PASSWORD, `/admin/consents/books/${bookId}`);

    // Not publishable yet, and the page says exactly why.
    expect(await page.locator('[data-gate]').getAttribute('data-gate')).toBe('blocked');
    expect(await page.locator('.reasons').textContent()).toContain('Chưa ghi nhận chủ sở hữu quyền nào');
    expect(await page.getByRole('button', { name: 'Xuất bản sách' }).isDisabled()).toBe(true);

    const form = page.locator('#record-form');
    await form.getByLabel('Hoặc tên người mới').fill('Nguyên Hồng (gia đình)');
    await form.getByLabel('Loại').selectOption('heir');
    await form.getByLabel('Vai trò với cuốn sách').selectOption('heir');
    await form.getByLabel('Cách nhận được sự đồng ý').selectOption('letter');
    await form.getByLabel('Ngày đồng ý').fill('2025-06-10');
    await form.getByLabel('Cho phép tải về tệp PDF').check();
    await form
      .getByLabel('Nội dung đã thỏa thuận')
      .fill('Gia đình đồng ý cho Thư viện số chia sẻ miễn phí, phi thương mại, không thời hạn.');
    await form.getByLabel(/Tệp bằng chứng/).setInputFiles([
      { name: 'thu-dong-y.pdf', mimeType: 'application/pdf', buffer: letterPdf() },
      { name: 'tin-nhan-zalo.png', mimeType: 'image/png', buffer: pngBytes(60, 40) },
    ]);
    await form.getByRole('button', { name: 'Lưu hồ sơ đồng ý' }).click();

    await page.locator('p.flash[role=status]').waitFor();
    expect(await page.locator('p.flash[role=status]').textContent()).toMatch(/Đã lưu hồ sơ đồng ý #\d+\./);
    expect(await page.locator('[data-gate]').getAttribute('data-gate')).toBe('allowed');
    const consentCard = page.locator('article.consent');
    expect(await consentCard.textContent()).toContain('Nguyên Hồng (gia đình)');
    expect(await consentCard.getByRole('link', { name: 'thu-dong-y.pdf' }).count()).toBe(1);
    expect(await consentCard.getByRole('link', { name: 'tin-nhan-zalo.png' }).count()).toBe(1);
    // The evidence opens for the librarian (and nobody else: see the integration tests).
    const href = await consentCard.getByRole('link', { name: 'tin-nhan-zalo.png' }).getAttribute('href');
    const evidence = await page.request.get(href!);
    expect(evidence.status()).toBe(200);
    expect(evidence.headers()['content-type']).toBe('image/png');
    // A string expression: the tests are type-checked without the DOM library.
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);

    await page.getByRole('button', { name: 'Xuất bản sách' }).click();
    await page.waitForURL((u) => u.pathname === `/admin/books/${bookId}`);
    expect((await t.env.ctx.db.selectFrom('books').select('status').where('id', '=', bookId).executeTakeFirstOrThrow()).status).toBe(
      'published',
    );

    // Readers see the book with its rights statement and a download link (the consent allows it).
    const publicPage = await request(t.env.app).get(`/sach/${bookId}`).redirects(2).expect(200);
    expect(publicPage.text).toContain('Được tác giả/chủ sở hữu đồng ý chia sẻ miễn phí, phi thương mại.');
    expect(publicPage.text).toContain(`/sach/${bookId}/tep.pdf?download=1`);
    await context.close();
  });
});
