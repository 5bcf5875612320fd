// Service worker (served at /sw.js): keeps the app shell and the pages of the last books read,
// so a reader who loses the connection can go on reading what was already loaded.
// Replaced when served (src/features/public/pwa.ts) by a hash of the cached files.
const VERSION = 'dev';
const SHELL = `tvs-shell-${VERSION}`;
const PAGES = `tvs-pages-${VERSION}`;
const BOOKS = `tvs-books-${VERSION}`;
const MAX_BOOKS = 5;
const SHELL_FILES = [
  '/ngoai-tuyen',
  '/static/css/app.css',
  '/static/css/public.css',
  '/static/js/site.js',
  '/static/js/home.js',
  '/static/js/reading-state.js',
  '/static/js/pdf-range.js',
  '/static/js/reader-gestures.js',
  '/static/js/reader-preview.js',
  '/static/js/reader.js',
  '/static/js/syllable-match.js',
  '/static/reader/reader.css',
  '/static/reader/pdf_viewer.css',
  '/static/reader/pdf.min.mjs',
  '/static/reader/pdf_viewer.mjs',
  '/static/reader/pdf.worker.min.mjs',
  '/static/icons/icon.svg',
];

self.addEventListener('install', (event) => {
  // cache: 'reload' — a new version must not be filled from week-old HTTP-cache copies.
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(SHELL_FILES.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tvs-') && !k.endsWith(VERSION)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

const PDF = /^\/sach\/(\d+)\/tep\.pdf$/;

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  const pdf = PDF.exec(url.pathname);
  if (pdf && !url.search) event.respondWith(pdfRequest(event, req, pdf[1]));
  else if (url.pathname.startsWith('/static/')) event.respondWith(cacheFirst(req));
  else if (req.mode === 'navigate' && !url.pathname.startsWith('/admin')) event.respondWith(networkFirst(event, req, url));
});

// On a weak mobile signal a request can hang for a minute instead of failing. Where a saved copy
// exists, the network gets PATIENCE_MS; then the copy is used, and for the next WEAK_MS the copies
// are used at once (a book's byte ranges would otherwise each wait in turn). A late answer still
// refreshes the store, and any answer that does arrive ends the weak spell.
const PATIENCE_MS = 4000;
const WEAK_MS = 30000;
let weakUntil = 0;

// The network's response, or null when it failed or (only when a saved copy exists) is too late.
function networkWithin(event, network, hasSaved) {
  let answered = false;
  const settled = network.then(
    (res) => {
      answered = true;
      weakUntil = 0;
      return res;
    },
    () => ((answered = true), null),
  );
  if (!hasSaved) return settled;
  event.waitUntil(settled);
  const patience = Date.now() < weakUntil ? 0 : PATIENCE_MS;
  const late = new Promise((resolve) =>
    setTimeout(() => {
      if (!answered) weakUntil = Date.now() + WEAK_MS; // hanging, not failing: a weak signal
      resolve(null);
    }, patience),
  );
  return Promise.race([settled, late]);
}

async function cacheFirst(req) {
  const hit = await caches.match(req, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) (await caches.open(SHELL)).put(req, res.clone());
  return res;
}

// Pages a reader comes back to (home, book pages, the reader) are kept for offline use; any other
// page falls back to the offline page when there is no network.
const KEEP = (url) => url.pathname === '/' || url.pathname.startsWith('/doc/') || url.pathname.startsWith('/sach/');

// 404/410: the book was withdrawn (e.g. its rights holder revoked consent) — its copies here go too.
const GONE = (status) => status === 404 || status === 410;
const BOOK_URL = /^\/(?:doc|sach)\/(\d+)(?:[/-]|$)/;

async function networkFirst(event, req, url) {
  const saved = await caches.match(req);
  const network = fetch(req).then(async (res) => {
    if (res.ok && KEEP(url)) (await caches.open(PAGES)).put(req, res.clone());
    else if (GONE(res.status)) {
      const book = BOOK_URL.exec(url.pathname);
      await (book ? forgetBook(book[1]) : caches.open(PAGES).then((c) => c.delete(req)));
    }
    return res;
  });
  const res = await networkWithin(event, network, saved !== undefined);
  if (res) return res;
  return (saved && (await markSavedCopy(saved))) || (await caches.match('/ngoai-tuyen')) || Response.error();
}

// A page answered from the cache says so (<body data-saved-copy>), so it shows the offline banner
// even when navigator.onLine is true: on a weak mobile signal ("connected", nothing arrives) the
// fetch fails but the browser still believes it is online.
async function markSavedCopy(res) {
  const html = await res.text();
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(html.replace('<body', '<body data-saved-copy'), { status: res.status, statusText: res.statusText, headers });
}

// The reader asks for fixed 32 KB-aligned ranges (static/js/pdf-range.js), so each Range response
// is cached under its own key: offline, the same requests find the same bytes.
const rangeKey = (id, range) => `/sach/${id}/tep.pdf?bytes=${encodeURIComponent(range)}`;

async function pdfRequest(event, req, id) {
  const range = req.headers.get('range');
  if (!range) return fetch(req);
  const cache = await caches.open(BOOKS);
  const hit = await cache.match(rangeKey(id, range));
  const network = fetch(req);
  const res = await networkWithin(event, network, hit !== undefined);
  if (!res) {
    if (!hit) return network; // failed, no copy: the reader sees the network error
    // Stored as 200 (the Cache API refuses partial responses); answered as the 206 it was.
    return new Response(hit.body, { status: 206, headers: hit.headers });
  }
  if (GONE(res.status)) {
    event.waitUntil(forgetBook(id));
    return res;
  }
  if (res.status === 206) {
    // Caching is best effort: a full disk must not break reading online.
    const copy = res.clone();
    event.waitUntil(
      copy
        .arrayBuffer()
        .then((body) => cache.put(rangeKey(id, range), new Response(body, { status: 200, headers: copy.headers })))
        .then(() => touchBook(cache, id))
        .catch(() => {}),
    );
  }
  return res;
}

// Drops every cached page and byte range of a book that is no longer public.
async function forgetBook(id) {
  const mine = (key) => BOOK_URL.exec(new URL(key.url).pathname)?.[1] === id;
  for (const name of [PAGES, BOOKS]) {
    const cache = await caches.open(name);
    for (const key of await cache.keys()) if (mine(key)) await cache.delete(key);
  }
}

// Keeps the byte ranges of the MAX_BOOKS most recently read books only.
async function touchBook(cache, id) {
  const listRes = await cache.match('/__books');
  const list = listRes ? await listRes.json() : [];
  const next = [id, ...list.filter((b) => b !== id)];
  for (const old of next.slice(MAX_BOOKS)) {
    for (const key of await cache.keys()) if (new URL(key.url).pathname === `/sach/${old}/tep.pdf`) await cache.delete(key);
  }
  await cache.put('/__books', new Response(JSON.stringify(next.slice(0, MAX_BOOKS))));
}
