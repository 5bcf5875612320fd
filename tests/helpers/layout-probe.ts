import type { Page } from 'playwright-core';

/** A box on screen, in CSS pixels. */
export interface Box {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** One piece of text as displayed: its font size after any SVG scaling, and where it sits. */
export interface ShownText extends Box {
  px: number;
}

/**
 * The displayed font size of every visible text-bearing element under `selector`: the computed
 * font-size, times the SVG's screen scale when the text is inside an <svg> (a 640-wide drawing
 * shown 330 px wide shows 11 px text at under 6 px). Runs in the page (plain JS string: the test
 * project has no DOM types).
 */
export function shownTextSizes(page: Page, selector: string): Promise<ShownText[]> {
  return page.evaluate(`(() => {
    const out = [];
    for (const root of document.querySelectorAll(${JSON.stringify(selector)})) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      const seen = new Set();
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || seen.has(el) || !n.textContent.trim() || el.closest('title')) continue;
        seen.add(el);
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const cs = getComputedStyle(el);
        if (cs.visibility === 'hidden' || cs.display === 'none') continue;
        const svg = el.closest('svg');
        const scale = svg && svg.getScreenCTM() ? Math.hypot(svg.getScreenCTM().a, svg.getScreenCTM().b) : 1;
        out.push({ text: el.textContent.trim(), px: parseFloat(cs.fontSize) * scale,
          left: r.left, right: r.right, top: r.top, bottom: r.bottom });
      }
    }
    return out;
  })()`);
}

/** Screen boxes of the elements matching `selector` that are shown. */
export function boxes(page: Page, selector: string): Promise<Box[]> {
  return page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})]
    .map((el) => ({ el, r: el.getBoundingClientRect() }))
    .filter(({ r }) => r.width > 0 && r.height > 0)
    .map(({ el, r }) => ({ text: el.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom }))`);
}

/** Pairs of boxes that overlap (by more than half a pixel, so touching edges do not count). */
export function overlaps(list: Box[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i];
      const b = list[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) out.push([a.text, b.text]);
    }
  return out;
}
