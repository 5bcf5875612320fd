import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/infra/clock.ts';
import { browserApp, browserUnavailable } from '../helpers/browser.ts';
import { createBook, pagesWith } from '../helpers/books.ts';
import { createTestEnv } from '../helpers/test-context.ts';

const skipReason = browserUnavailable();
const PHONE = { width: 360, height: 740 };
const LONG_LIBRARY = 'Thư viện Đoàn Thanh niên phường Tân Định, quận 1, Thành phố Hồ Chí Minh';

/**
 * The city-wide search on a 360 px phone with JavaScript off (old phones, Save-Data): nothing
 * wider than the screen, even with long titles and library names, and "Trang sau" pages on.
 */
describe.skipIf(skipReason !== null)('city-wide search on a 360 px phone without JavaScript', () => {
  const t = browserApp(() => createTestEnv({ clock: new ManualClock(new Date('2026-11-25T03:00:00Z')) }));

  it('fits the screen and pages with plain links', async () => {
    const { ctx } = t.env;
    const lib = await ctx.services.libraries.create({ slug: 'tan-dinh', name: LONG_LIBRARY, unionName: '', address: '', contact: '' });
    for (let i = 1; i <= 14; i++) {
      await createBook(ctx, {
        title: `Cẩm nang công tác Đoàn và phong trào thanh thiếu nhi ở khu dân cư, tập ${i}`,
        libraryId: i % 2 ? lib.id : undefined,
        pages: pagesWith(2, { 2: 'Phong trào thanh niên tình nguyện xây dựng khu dân cư văn minh.' }),
        padBytesPerPage: 1,
      });
    }
    const context = await t.browser.newContext({
      baseURL: t.server.baseURL,
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
      javaScriptEnabled: false,
    });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto('/thanh-pho/tim-kiem');
    await page.getByLabel('Tên sách, tác giả, chủ đề hoặc vài chữ trong sách').fill('cam nang cong tac doan');
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await page.waitForURL(/q=cam\+nang/);
    await page.getByText('Khoảng 14 cuốn sách').waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    expect(await page.getByRole('link', { name: LONG_LIBRARY }).first().isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Trang sau ›' }).click();
    await page.waitForURL(/page=2/);
    await page.getByText('Trang 2/2').waitFor();
    expect(await page.locator('.city-hits').first().locator(':scope > li').count()).toBe(2);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await context.close();
  });
});
