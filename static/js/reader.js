// The PDF reader, built on pdf.js's viewer components. The server page already works without
// JavaScript (table of contents, text mode); this adds the PDF view, loaded progressively with
// HTTP Range requests so a 300-page book shows page 1 after a few small requests.
import * as pdfjsLib from '/static/reader/pdf.min.mjs';
import { createRangeTransport } from './pdf-range.js';
import { setupExternalLinks, setupTouch } from './reader-gestures.js';
import { lastPage, rememberPage } from './reading-state.js';
import { highlightSyllables, queryTerms } from './syllable-match.js';

// One object shared with reader-preview.js, which records when the page-1 picture appeared (previewAt).
const metrics = (window.__readerMetrics = Object.assign(window.__readerMetrics || {}, {
  start: performance.now(),
  firstPageAt: null,
  pageRendered: [],
}));
const body = document.body;
body.classList.add('js');
const S = JSON.parse(body.dataset.i18n || '{}');
const bookId = Number(body.dataset.bookId);
// The library's address ('' or '/phuong-1'): this book is served inside its site.
const libBase = body.dataset.base || '';
const pageCount = Number(body.dataset.pages);
const title = body.dataset.title;
const $ = (id) => document.getElementById(id);
const container = $('viewerContainer');
/** The page-1 picture gives way to the real page (or to any other page the reader asked for). */
const dropPreview = () => {
  $('preview')?.remove();
  body.classList.remove('preview-on');
};
const fmt = (s, params) => s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));

// Whole syllables, accents ignored: the same rule as search snippets and text mode.
let terms = queryTerms(body.dataset.query);

function pageFromHash() {
  const m = /(?:^#|&)page=(\d+)/.exec(location.hash);
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= pageCount ? n : null;
}

globalThis.pdfjsLib = pdfjsLib; // pdf_viewer.mjs reads the library from here
pdfjsLib.GlobalWorkerOptions.workerSrc = '/static/reader/pdf.worker.min.mjs';

if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
const offline = $('offline');
// A saved copy (the service worker could not reach the site) is offline whatever navigator.onLine says.
let savedCopy = body.hasAttribute('data-saved-copy');
const setOffline = () => (offline.hidden = navigator.onLine && !savedCopy);
window.addEventListener('online', () => {
  savedCopy = false;
  setOffline();
});
window.addEventListener('offline', setOffline);
setOffline();

// The document starts loading (first byte ranges, worker start-up) while the viewer module loads.
const CHUNK = 32768; // measured against 64 KB: less waiting at 50 KB/s (tests/e2e/reader-budget.test.ts)
const range = createRangeTransport(pdfjsLib, { url: body.dataset.pdf, length: Number(body.dataset.size), chunkSize: CHUNK, onFatal: fail });
const loadingTask = pdfjsLib.getDocument({
  range,
  // Fetch only the byte ranges a visible page needs; never stream the whole file.
  disableAutoFetch: true,
  disableStream: true,
  rangeChunkSize: CHUNK,
  // Untrusted files: no eval-based font code, no XFA forms.
  isEvalSupported: false,
  enableXfa: false,
  cMapUrl: '/static/reader/cmaps/',
  cMapPacked: true,
  standardFontDataUrl: '/static/reader/standard_fonts/',
  wasmUrl: '/static/reader/wasm/',
});
import('/static/reader/pdf_viewer.mjs').then(start, fail);

function fail(err) {
  console.error(err);
  dropPreview();
  const p = document.createElement('p');
  p.className = 'nojs';
  p.setAttribute('role', 'alert');
  const a = Object.assign(document.createElement('a'), {
    href: `${body.dataset.textBase}${pageFromHash() || 1}`,
    textContent: S.loadFailed,
  });
  p.append(a);
  container.replaceChildren(p);
}

async function start({ EventBus, PDFViewer, PDFLinkService, LinkTarget }) {
  const eventBus = new EventBus();
  const linkService = new PDFLinkService({
    eventBus,
    externalLinkTarget: LinkTarget.BLANK,
    externalLinkRel: 'noopener noreferrer nofollow',
  });
  const viewer = new PDFViewer({
    container,
    viewer: $('viewer'),
    eventBus,
    linkService,
    textLayerMode: 1,
    annotationMode: pdfjsLib.AnnotationMode.ENABLE, // links only: forms are not interactive, no scripting manager
    maxCanvasPixels: 4096 * 4096, // cheap phones run out of memory with the desktop default
    enableHWA: false,
  });
  linkService.setViewer(viewer);

  let pdf;
  try {
    pdf = await loadingTask.promise;
  } catch (err) {
    return fail(err);
  }
  viewer.setDocument(pdf);
  linkService.setDocument(pdf, null);

  const seen = new Set();
  let fitWidth = true;
  const input = $('page-input');
  const wanted = pageFromHash();

  eventBus.on('pagesinit', () => {
    viewer.currentScaleValue = 'page-width';
    if (wanted && wanted !== 1) dropPreview();
    if (wanted) viewer.currentPageNumber = wanted;
    else offerResume();
  });
  eventBus.on('pagerendered', (e) => {
    if (metrics.firstPageAt === null) {
      metrics.firstPageAt = performance.now();
      body.dataset.firstPage = String(e.pageNumber);
      dropPreview();
    }
    metrics.pageRendered.push(e.pageNumber);
  });
  eventBus.on('pagechanging', ({ pageNumber }) => {
    input.value = pageNumber;
    seen.add(pageNumber);
    rememberPage(bookId, title, pageNumber, pageCount);
    history.replaceState(null, '', `${location.pathname}${location.search}#page=${pageNumber}`);
    $('text-link').href = `${body.dataset.textBase}${pageNumber}`;
  });
  eventBus.on('textlayerrendered', ({ source }) => highlight(source.div));
  window.addEventListener('hashchange', () => {
    const n = pageFromHash();
    if (n && n !== viewer.currentPageNumber) viewer.currentPageNumber = n;
  });

  const go = (n) => (viewer.currentPageNumber = Math.min(Math.max(1, n), pageCount));
  const zoom = (factor) => {
    fitWidth = false;
    viewer.currentScale = Math.min(Math.max(viewer.currentScale * factor, 0.5), 5);
  };
  for (const id of ['btn-prev', 'btn-next', 'btn-zoom-out', 'btn-zoom-in', 'btn-toc', 'btn-search', 'btn-night']) $(id).hidden = false;
  $('btn-prev').onclick = () => go(viewer.currentPageNumber - 1);
  $('btn-next').onclick = () => go(viewer.currentPageNumber + 1);
  $('btn-zoom-in').onclick = () => zoom(1.25);
  $('btn-zoom-out').onclick = () => zoom(0.8);
  $('page-form').addEventListener('submit', (e) => {
    e.preventDefault();
    go(Number(input.value) || 1);
  });
  window.addEventListener('resize', () => fitWidth && (viewer.currentScaleValue = 'page-width'));
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, textarea, select')) return;
    if (e.key === 'ArrowRight' || e.key === 'PageDown') go(viewer.currentPageNumber + 1);
    if (e.key === 'ArrowLeft' || e.key === 'PageUp') go(viewer.currentPageNumber - 1);
  });

  setupPanels(go);
  setupNight();
  setupTouch(container, viewer, go, () => (fitWidth = false));
  setupExternalLinks(container, (url) => window.confirm(fmt(S.externalLink, { url })));
  setupSearch(go);

  // "Pages read" for the library's statistics, sent once when leaving: which pages were shown, so
  // the server counts each page once a day however often the book is opened.
  addEventListener('pagehide', () => {
    if (seen.size && navigator.sendBeacon)
      navigator.sendBeacon(`/api/doc/${bookId}/da-doc`, JSON.stringify({ pages: seen.size, seen: Array.from(seen).slice(0, 5000) }));
    seen.clear();
  });

  function offerResume() {
    const last = lastPage(bookId);
    if (!last || last <= 1 || last > pageCount) return;
    const box = $('resume');
    const text = document.createElement('span');
    text.textContent = fmt(S.resume, { page: last });
    const yes = Object.assign(document.createElement('button'), { type: 'button', className: 'rbtn', textContent: S.resumeYes });
    const no = Object.assign(document.createElement('button'), { type: 'button', className: 'rbtn', textContent: S.resumeNo });
    yes.onclick = () => {
      go(last);
      box.hidden = true;
    };
    no.onclick = () => (box.hidden = true);
    box.replaceChildren(text, yes, no);
    box.hidden = false;
  }
}

function highlight(pageDiv) {
  const layer = pageDiv?.querySelector('.textLayer');
  if (!layer) return;
  // A new search replaces the previous marks: put the marked spans back to plain text first.
  for (const span of layer.querySelectorAll('span[data-hl]')) {
    span.replaceChildren(document.createTextNode(span.textContent));
    delete span.dataset.hl;
  }
  if (!terms.length) return;
  for (const span of layer.querySelectorAll('span[role="presentation"], span:not([class])')) {
    if (span.children.length || !span.textContent) continue;
    const parts = highlightSyllables(span.textContent, terms);
    if (!parts.some((p) => p.mark)) continue;
    span.dataset.hl = '1';
    span.replaceChildren(
      ...parts.map((p) =>
        p.mark ? Object.assign(document.createElement('span'), { className: 'hl', textContent: p.text }) : document.createTextNode(p.text),
      ),
    );
  }
}

function setupPanels(go) {
  const panels = [
    ['btn-toc', 'panel-toc'],
    ['btn-search', 'panel-search'],
  ];
  const close = () => {
    for (const [b, p] of panels) {
      $(p).classList.remove('open');
      $(b).setAttribute('aria-expanded', 'false');
    }
  };
  for (const [b, p] of panels) {
    $(p).hidden = false;
    $(b).onclick = () => {
      const open = !$(p).classList.contains('open');
      close();
      $(p).classList.toggle('open', open);
      $(b).setAttribute('aria-expanded', String(open));
      if (open) $(p).querySelector('a, input')?.focus();
    };
  }
  $('panel-toc').addEventListener('click', (e) => {
    const a = e.target.closest('a[data-page]');
    if (!a) return;
    e.preventDefault();
    close();
    go(Number(a.dataset.page));
  });
  document.addEventListener('keydown', (e) => e.key === 'Escape' && close());
  setupPanels.close = close;
}

function setupNight() {
  const button = $('btn-night');
  const apply = (on) => {
    body.classList.toggle('night', on);
    button.setAttribute('aria-pressed', String(on));
  };
  apply(localStorage.getItem('tvs.night') === '1');
  button.onclick = () => {
    const on = !body.classList.contains('night');
    apply(on);
    try {
      localStorage.setItem('tvs.night', on ? '1' : '0');
    } catch {
      // Private mode or storage full: night mode lasts for this page only.
    }
  };
}

function setupSearch(go) {
  const form = $('book-search');
  const status = $('search-status');
  const list = $('search-hits');
  const run = async (q) => {
    terms = queryTerms(q);
    for (const page of document.querySelectorAll('#viewer .page')) highlight(page);
    status.textContent = S.searching;
    list.replaceChildren();
    try {
      const res = await fetch(`${libBase}/api/sach/${bookId}/tim?q=${encodeURIComponent(q)}`);
      const { hits } = await res.json();
      status.textContent = hits.length ? fmt(S.hits, { count: hits.length }) : S.noHits;
      for (const h of hits) {
        const li = document.createElement('li');
        const a = Object.assign(document.createElement('a'), { href: `#page=${h.pageNumber}` });
        const where = Object.assign(document.createElement('strong'), { textContent: fmt(S.pageN, { n: h.pageNumber }) });
        const snippet = document.createElement('span');
        // Build from the escaped snippet without innerHTML: <mark> segments become elements.
        const tmp = new DOMParser().parseFromString(`<p>${h.snippetHtml}</p>`, 'text/html').body.firstChild;
        for (const node of tmp.childNodes)
          snippet.append(
            node.nodeName === 'MARK'
              ? Object.assign(document.createElement('mark'), { textContent: node.textContent })
              : document.createTextNode(node.textContent),
          );
        a.append(where, ' ', snippet);
        a.onclick = (e) => {
          e.preventDefault();
          setupPanels.close();
          go(h.pageNumber);
        };
        li.append(a);
        list.append(li);
      }
    } catch {
      status.textContent = S.loadFailed;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('bq').value.trim();
    if (q) run(q);
  });
}
