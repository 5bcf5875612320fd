// The page-picture reader (views/reader/pictures.ejs). Without this script the page already
// works: a picture and plain links. With it: the next pages are fetched ahead, turning a page
// swaps the picture in place (no new HTML, no round trip when prefetched), swipe and arrow keys
// turn pages, zoom buttons enlarge the page (remembered on this phone), search highlights follow.
import { rememberPage } from './reading-state.js';

const body = document.body;
const $ = (id) => document.getElementById(id);
const S = JSON.parse(body.dataset.i18n || '{}');
const bookId = Number(body.dataset.bookId);
// The library's address ('' or '/phuong-1'): this book is served inside its site.
const libBase = body.dataset.base || '';
const pages = Number(body.dataset.pages);
const title = body.dataset.title;
const query = body.dataset.query || '';
const widths = (body.dataset.widths || '720').split(',').map(Number);
const img = $('page-img');
const sheet = $('sheet');
const metrics = (window.__readerMetrics = { start: performance.now(), firstPageAt: null, shown: [] });
let page = Number(body.dataset.page);

const fmt = (s, p) => String(s || '').replace(/\{(\w+)\}/g, (m, k) => (k in p ? String(p[k]) : m));
const pictureUrl = (n, w) => `${libBase}/sach/${bookId}/anh/${n}-${w}.webp`;
const srcsetOf = (n) => widths.map((w) => `${pictureUrl(n, w)} ${w}w`).join(', ');
const pageUrl = (n) => `${libBase}/doc/${bookId}/anh/${n}${query ? `?q=${encodeURIComponent(query)}` : ''}`;
// The width the browser chose from srcset for this screen: prefetches ask for the same one.
const chosenWidth = () => Number(/-(\d+)\.webp/.exec(img.currentSrc || img.src)?.[1]) || 720;

const shown = () => {
  if (metrics.firstPageAt === null) metrics.firstPageAt = performance.now();
  metrics.shown.push({ page, at: performance.now() });
};
if (img.complete && img.naturalWidth) shown();
img.addEventListener('load', shown);

if (body.hasAttribute('data-saved-copy')) $('offline').hidden = false;
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});

// Pictures fetched ahead, kept decoded in memory: showing one later costs nothing.
const ahead = new Map();
function prefetch(from) {
  const w = chosenWidth();
  for (let n = from + 1; n <= Math.min(pages, from + 2); n++) {
    const key = `${n}-${w}`;
    if (ahead.has(key)) continue;
    const im = new Image();
    im.decoding = 'async';
    im.src = pictureUrl(n, w);
    ahead.set(key, im);
  }
  if (ahead.size > 8) ahead.delete(ahead.keys().next().value);
}

function setLink(el, n) {
  const ok = n >= 1 && n <= pages;
  el.classList.toggle('off', !ok);
  if (ok) el.setAttribute('href', pageUrl(n));
  else el.removeAttribute('href');
}

async function showMarks(n) {
  const marks = $('marks');
  const hits = $('hits');
  marks.textContent = '';
  hits.hidden = true;
  if (!query) return;
  try {
    const res = await fetch(`${libBase}/api/sach/${bookId}/anh/${n}?q=${encodeURIComponent(query)}`);
    if (!res.ok || n !== page) return;
    const data = await res.json();
    for (const b of data.boxes) {
      const s = document.createElement('span');
      s.style.cssText = `left:${b.x * 100}%;top:${b.y * 100}%;width:${b.w * 100}%;height:${b.h * 100}%`;
      marks.append(s);
    }
    if (data.boxes.length) {
      hits.textContent = fmt(S.hits, { count: data.boxes.length, q: query });
      hits.hidden = false;
    }
  } catch {
    /* offline: the page shows without highlights */
  }
}

function go(n, push = true) {
  if (!(n >= 1 && n <= pages) || n === page) return;
  page = n;
  const w = chosenWidth();
  sheet.style.removeProperty('aspect-ratio');
  img.removeAttribute('width');
  img.removeAttribute('height');
  img.srcset = srcsetOf(n);
  img.src = pictureUrl(n, w);
  img.alt = fmt(S.pageAlt, { page: n });
  body.dataset.page = String(n);
  $('page-input').value = String(n);
  setLink($('prev'), n - 1);
  setLink($('next'), n + 1);
  $('text-link').setAttribute('href', `${libBase}/doc/${bookId}/trang/${n}${query ? `?q=${encodeURIComponent(query)}` : ''}`);
  const pdf = $('pdf-link');
  if (pdf) pdf.setAttribute('href', pdf.getAttribute('href').replace(/#page=\d+$/, `#page=${n}`));
  if (push) history.pushState({ page: n }, '', pageUrl(n));
  document.title = document.title.replace(/\d+/, String(n));
  window.scrollTo(0, 0);
  showMarks(n);
  rememberPage(bookId, title, n, pages);
  prefetch(n);
}

for (const [id, delta] of [
  ['prev', -1],
  ['next', 1],
]) {
  $(id).addEventListener('click', (e) => {
    e.preventDefault();
    go(page + delta);
  });
}
$('page-form').addEventListener('submit', (e) => {
  e.preventDefault();
  go(Number($('page-input').value));
});
window.addEventListener('popstate', (e) => go(Number(e.state?.page) || Number(/\/anh\/(\d+)/.exec(location.pathname)?.[1]) || 1, false));

document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement) return;
  if (e.key === 'ArrowRight' || e.key === 'PageDown') go(page + 1);
  else if (e.key === 'ArrowLeft' || e.key === 'PageUp') go(page - 1);
});

// A sideways swipe turns the page (not while zoomed in: then it scrolls the page).
let touch = null;
sheet.addEventListener(
  'touchstart',
  (e) => (touch = e.touches.length === 1 ? { x: e.touches[0].clientX, y: e.touches[0].clientY } : null),
  { passive: true },
);
sheet.addEventListener('touchend', (e) => {
  if (!touch || zoom > 1) return;
  const dx = e.changedTouches[0].clientX - touch.x;
  const dy = e.changedTouches[0].clientY - touch.y;
  if (Math.abs(dx) > 60 && Math.abs(dy) < 50) go(page + (dx < 0 ? 1 : -1));
  touch = null;
});

// Zoom for eyes that need bigger print: remembered on this phone; the browser then picks a
// larger picture from srcset by itself.
const ZOOMS = [1, 1.25, 1.5, 2, 2.5, 3];
let zoom = Number(localStorage.getItem('tvs.zoom')) || 1;
function applyZoom() {
  sheet.style.setProperty('--zoom', String(zoom));
  img.sizes = `(min-width: 56rem) ${54 * zoom}rem, ${Math.round(100 * zoom)}vw`;
  $('zoom-out').disabled = zoom <= ZOOMS[0];
  $('zoom-in').disabled = zoom >= ZOOMS[ZOOMS.length - 1];
}
function step(dir) {
  const i = ZOOMS.findIndex((z) => z >= zoom);
  zoom = ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, (i < 0 ? 0 : i) + dir))];
  try {
    localStorage.setItem('tvs.zoom', String(zoom));
  } catch {
    /* private mode: zoom lasts for this page only */
  }
  applyZoom();
}
$('zoom-in').hidden = $('zoom-out').hidden = false;
$('zoom-in').addEventListener('click', () => step(1));
$('zoom-out').addEventListener('click', () => step(-1));
if (!ZOOMS.includes(zoom)) zoom = 1;
applyZoom();

// An old bookmark or link with only #page=N (the server never sees the hash).
const hashPage = Number(/(?:^#|&)page=(\d+)/.exec(location.hash)?.[1]);
if (hashPage && hashPage !== page) go(hashPage, false);
history.replaceState({ page }, '', pageUrl(page));
if (body.dataset.marks === 'pending') showMarks(page); // the server had not rendered this page yet
rememberPage(bookId, title, page, pages);
if (img.complete) prefetch(page);
else img.addEventListener('load', () => prefetch(page), { once: true });
