import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ManualClock } from '../../src/infra/clock.ts';
import { TEST_PASSWORD, createUser } from '../helpers/auth.ts';
import { browserApp, browserUnavailable, submitSignIn } from '../helpers/browser.ts';
import { boxes, overlaps, shownTextSizes } from '../helpers/layout-probe.ts';
import { createTestEnv, defaultLibraryId } from '../helpers/test-context.ts';

const skipReason = browserUnavailable();
const PHONE = { width: 360, height: 740 };
const LONG_LIBRARY = 'Thư viện số Đoàn Thanh niên phường Tân Định, quận 1, Thành phố Hồ Chí Minh';
const LONG_PLACE = 'Thư viện thân thiện Trường THCS Nguyễn Văn Trỗi, khu phố 3, phường Tân Định';

/**
 * The leaders' dashboard on a 360 px phone (12 November 2026, 12:00 in Hà Nội): a plain sentence
 * first, filters folded away, chart text at least 12 px as displayed, labels that do not overlap,
 * full place names, no line through the days still to come, and a printout without controls.
 */
describe.skipIf(skipReason !== null)('statistics on a 360 px phone', () => {
  const t = browserApp(() => createTestEnv({ clock: new ManualClock(new Date('2026-11-12T05:00:00Z')) }));

  async function seed(): Promise<void> {
    const { ctx } = t.env;
    const libraryId = await defaultLibraryId(ctx);
    const place = (name: string) =>
      ctx.services.locations.create(libraryId, { name, kind: 'community_house', address: '', ward: '', note: null, contact: null });
    const to5 = await place('Nhà văn hoá tổ 5');
    const school = await place(LONG_PLACE);
    const cafe = await place('Quán cà phê Góc Phố');
    const rows: Array<{
      library_id: number;
      day: string;
      location_key: number;
      visits: number;
      book_opens: number;
      scans: number;
      visits_phone: number;
    }> = [];
    const add = (day: string, key: number, opens: number) =>
      rows.push({
        library_id: libraryId,
        day,
        location_key: key,
        visits: opens * 2,
        book_opens: opens,
        scans: key > 0 ? opens : 0,
        visits_phone: opens * 2,
      });
    // October: 1,000 reads (620 + 310 + 70). November 1–12: 1,120 reads (720 + 300 + 100) — up 12 %.
    for (let d = 1; d <= 31; d++) {
      const day = `2026-10-${String(d).padStart(2, '0')}`;
      add(day, to5.id, 20);
      add(day, cafe.id, 10);
      if (d <= 7) add(day, 0, 10);
    }
    for (let d = 1; d <= 12; d++) {
      const day = `2026-11-${String(d).padStart(2, '0')}`;
      add(day, to5.id, 60);
      add(day, school.id, 25);
      if (d <= 10) add(day, 0, 10);
    }
    await ctx.db.insertInto('stats_daily').values(rows).execute();
    // Rows made by hand, not by the fold: bring the monthly roll-up (whole months read from it) along.
    await ctx.repos.rollup.resumAllMonths();
  }

  async function leaderOnPhone(): Promise<Page> {
    await seed();
    const leader = await createUser(t.env.ctx, 'leader');
    const context = await t.browser.newContext({
      baseURL: t.server.baseURL,
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
    });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto('/dang-nhap');
    await submitSignIn(page, leader.email, TEST_PASSWORD, /^\/admin/);
    return page;
  }

  it('reads on a phone and prints without controls', async () => {
    const page = await leaderOnPhone();

    // The monthly report: one sentence first, Vietnamese number formatting.
    await page.goto('/admin/stats/report?month=2026-11');
    const summary = page.locator('#stats-summary');
    expect((await summary.textContent())!.replace(/\s+/g, ' ').trim()).toBe(
      'Tháng 11: 1.120 lượt đọc, tăng 12 % so với tháng 10; nhiều nhất ở Nhà văn hoá tổ 5.',
    );
    await checkCharts(page);

    // The current month's line stops today (12 points), the axis still runs to 30/11.
    const d = await page.locator('.line-chart path.s-visits:not(.dot)').getAttribute('d');
    expect(d!.split(/[ML]/).filter((s) => s.trim())).toHaveLength(12);
    expect((await page.locator('.lc-x .lc-label').last().textContent())!.trim()).toBe('30/11');

    // Printed: no form, no export links, no "▶ Xem bảng số liệu" toggle; the figures stay.
    await page.emulateMedia({ media: 'print' });
    expect(
      await page.locator('form').evaluateAll((els) => els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent).length),
    ).toBe(0);
    expect(await page.getByText('Xem bảng số liệu').first().isVisible()).toBe(false);
    expect(
      await page
        .locator('summary')
        .evaluateAll((els) => els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent).length),
    ).toBe(0);
    expect(await page.locator('.export').first().isVisible()).toBe(false);
    expect(await summary.isVisible()).toBe(true);
    expect(await page.locator('.bar-chart').first().isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    // The dashboard: the sentence before the (folded) filters, both on the first screen.
    await page.goto('/admin/stats?range=month&compare=previous');
    const s = (await summary.boundingBox())!;
    const filters = page.locator('details.stats-filters-box');
    const f = (await filters.boundingBox())!;
    expect((await summary.textContent())!.startsWith('Tháng 11: 1.120 lượt đọc, tăng')).toBe(true);
    expect(s.y).toBeLessThan(f.y);
    expect(f.y + f.height).toBeLessThan(PHONE.height);
    expect(await page.locator('#f-range').isVisible()).toBe(false); // folded away
    await filters.locator('summary').click();
    expect(await page.locator('#f-range').isVisible()).toBe(true);
    await checkCharts(page);

    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.context().close();
  });

  it('the city page reads on a phone: sentence first, filters folded, ranking chart and table inside the screen', async () => {
    const { ctx } = t.env;
    const ward = await ctx.services.libraries.create({ slug: 'tan-dinh', name: LONG_LIBRARY, unionName: '', address: '', contact: '' });
    const other = await ctx.services.libraries.create({ slug: 'da-kao', name: 'Phường Đa Kao', unionName: '', address: '', contact: '' });
    await ctx.db
      .insertInto('stats_daily')
      .values([
        { library_id: ward.id, day: '2026-11-05', location_key: 0, visits: 340, scans: 120, book_opens: 90, visits_phone: 300 },
        { library_id: other.id, day: '2026-11-06', location_key: 0, visits: 210, scans: 40, book_opens: 70, visits_phone: 200 },
      ])
      .execute();
    await ctx.repos.rollup.resumAllMonths();
    const city = await createUser(ctx, 'leader');
    await ctx.repos.users.setCityRole(city.id, 'city_leader');
    const context = await t.browser.newContext({
      baseURL: t.server.baseURL,
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
    });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto('/dang-nhap');
    await submitSignIn(page, city.email, TEST_PASSWORD, /^\/admin/);
    await page.goto('/thanh-pho/thong-ke?range=month');
    const summary = page.locator('#stats-summary');
    const filters = page.locator('details.stats-filters-box');
    const s = (await summary.boundingBox())!;
    const f = (await filters.boundingBox())!;
    expect(s.y).toBeLessThan(f.y);
    expect(f.y + f.height).toBeLessThan(PHONE.height);
    expect(await page.locator('#f-sort').isVisible()).toBe(false);

    // The comparison over time is drawn too (server-side SVG), inside the screen like the rest.
    expect(await page.locator('#city-over-time figure.line-chart').isVisible()).toBe(true);
    expect(await page.locator('#city-over-time .legend li').allTextContents()).toContain(LONG_LIBRARY);
    const texts = await shownTextSizes(page, 'figure.chart');
    expect(texts.filter((x) => x.px < 12)).toEqual([]);
    expect(texts.filter((x) => x.left < -0.5 || x.right > PHONE.width + 0.5)).toEqual([]);
    const barLabels = await boxes(page, '.bar-chart .bar-label');
    expect(overlaps(barLabels)).toEqual([]);
    expect(barLabels.map((b) => b.text)).toContain(LONG_LIBRARY);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });

  /** Every chart's text ≥ 12 px as displayed, no overlapping labels, full place names inside the screen. */
  async function checkCharts(page: Page): Promise<void> {
    const texts = await shownTextSizes(page, 'figure.chart');
    expect(texts.length).toBeGreaterThan(10);
    const small = texts.filter((x) => x.px < 12);
    expect(small, `text under 12 px: ${JSON.stringify(small.slice(0, 5))}`).toEqual([]);
    const offScreen = texts.filter((x) => x.left < -0.5 || x.right > PHONE.width + 0.5);
    expect(offScreen, 'chart text cut off at the screen edge').toEqual([]);

    for (const sel of ['.lc-x .lc-label', '.lc-y .lc-tick']) {
      const labels = await boxes(page, sel);
      expect(labels.length).toBeGreaterThan(2);
      expect(overlaps(labels), `${sel} overlap`).toEqual([]);
    }
    const barLabels = await boxes(page, '.bar-chart .bar-label');
    expect(overlaps(barLabels)).toEqual([]);
    const names = barLabels.map((b) => b.text);
    expect(names).toContain(LONG_PLACE); // whole, wrapped rather than cut
    const clipped = await page
      .locator('.bar-label')
      .evaluateAll(
        (els) =>
          els.filter(
            (e) =>
              (e as unknown as { scrollWidth: number; clientWidth: number }).scrollWidth >
              (e as unknown as { clientWidth: number }).clientWidth + 1,
          ).length,
      );
    expect(clipped).toBe(0);
  }
});
