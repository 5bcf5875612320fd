// Service worker (served at /sw.js): keeps the app shell and what the reader actually read, so a
// reader who loses the connection can go on reading what was already loaded.
// Prepaid data is respected: a first visit precaches only the small shell (revalidated, so files
// the page just loaded cost a 304, not their bytes again); reader code is cached when a reader is
// opened, never in advance. Only the shell cache is versioned (a hash of the static files, set by
// src/features/public/pwa.ts): a deploy replaces the shell, while saved books and pages stay.
const VERSION = 'dev';
const SHELL = `tvs-shell-${VERSION}`;
const PAGES = 'tvs-pages';
const BOOKS = 'tvs-books';
const MAX_BOOKS = 5;
const SHELL_FILES = ['/ngoai-tuyen', '/static/css/app.css', '/static/css/public.css', '/static/js/site.js', '/static/icons/icon.svg'];

self.addEventListener('install', (event) => {
  // cache: 'no-cache' — a new version must not be filled from week-old HTTP-cache copies, and an
  // unchanged file costs a 304 rather than its bytes.
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(SHELL_FILES.map((u) => new Request(u, { cache: 'no-cache' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  // Old shells go; so do the caches of the earlier scheme (tvs-pages-<hash>, tvs-books-<hash>).
  const stale = (k) => k.startsWith('tvs-') && k !== SHELL && k !== PAGES && k !== BOOKS;
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter(stale).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// A book's addresses, at `/` or inside a library's own address (/phuong-1/sach/…): book ids are
// global, so one id is one book whichever library's shelf it was read from.
const PDF = /^(?:\/[a-z0-9-]+)?\/sach\/(\d+)\/tep\.pdf$/;
const PICTURE = /^(?:\/[a-z0-9-]+)?\/sach\/(\d+)\/anh\/\d+-\d+\.webp$/;
const ADMIN = /^(?:\/[a-z0-9-]+)?\/admin(?:\/|$)/;

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  const pdf = PDF.exec(url.pathname);
  const picture = PICTURE.exec(url.pathname);
  if (pdf && !url.search) event.respondWith(pdfRequest(event, req, pdf[1]));
  else if (picture) event.respondWith(pictureRequest(event, req, picture[1]));
  else if (url.pathname.startsWith('/static/')) event.respondWith(cacheFirst(req));
  else if (req.mode === 'navigate' && !ADMIN.test(url.pathname)) event.respondWith(networkFirst(event, req, url));
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
// Also inside a library's own address (/phuong-1/doc/…).
const KEEP = (url) => /^\/(?:[a-z0-9-]+\/)?(?:$|doc\/|sach\/)/.test(url.pathname);

// 404/410: the book was withdrawn (e.g. its rights holder revoked consent) — its copies here go too.
const GONE = (status) => status === 404 || status === 410;
const BOOK_URL = /^(?:\/[a-z0-9-]+)?\/(?:doc|sach)\/(\d+)(?:[/-]|$)/;

async function networkFirst(event, req, url) {
  // ignoreVary: the reader page varies by Client Hints (ECT, Downlink…) whose values change between visits.
  const saved = await caches.match(req, { ignoreVary: true });
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
  // 403: the book is now "read online only" — no byte of its file may stay on the phone.
  if (res.status === 403) {
    event.waitUntil(serially(() => dropEntries(BOOKS, (p) => p === `/sach/${id}/tep.pdf`)));
    return res;
  }
  if (res.status === 206) {
    // Caching is best effort: a full disk must not break reading online.
    const copy = res.clone();
    event.waitUntil(
      copy
        .arrayBuffer()
        .then((body) => cache.put(rangeKey(id, range), new Response(body, { status: 200, headers: copy.headers })))
        .then(() => touchBook(id))
        .catch(() => {}),
    );
  }
  return res;
}

// A page picture the reader looked at (or the reader script fetched ahead) is kept for offline
// reading, under the same patience rule as byte ranges.
async function pictureRequest(event, req, id) {
  const cache = await caches.open(BOOKS);
  const key = new URL(req.url).pathname;
  const hit = await cache.match(key);
  const network = fetch(req);
  const res = await networkWithin(event, network, hit !== undefined);
  if (!res) return hit || network;
  if (GONE(res.status)) {
    event.waitUntil(forgetBook(id));
    return res;
  }
  if (res.ok) {
    const copy = res.clone();
    event.waitUntil(
      cache
        .put(key, copy)
        .then(() => touchBook(id))
        .catch(() => {}),
    );
  } else if (res.status === 304 && hit) {
    return hit;
  }
  return res;
}

// The saved-books list is read, changed and written back: two of those at once would lose an
// update (a book never evicted, or evicted while being read). They run one after another.
let listLock = Promise.resolve();
function serially(task) {
  const run = listLock.then(task, task);
  listLock = run.catch(() => {});
  return run;
}

async function dropEntries(name, matches) {
  const cache = await caches.open(name);
  for (const key of await cache.keys()) if (matches(new URL(key.url).pathname)) await cache.delete(key);
}

const bookOf = (pathname) => BOOK_URL.exec(pathname)?.[1];

// Drops every cached page, picture and byte range of a book that is no longer public.
function forgetBook(id) {
  return serially(async () => {
    for (const name of [PAGES, BOOKS]) await dropEntries(name, (p) => bookOf(p) === id);
    await writeList((await readList()).filter((b) => b !== id));
  });
}

async function readList() {
  const res = await (await caches.open(BOOKS)).match('/__books');
  return res ? await res.json() : [];
}

async function writeList(list) {
  await (await caches.open(BOOKS)).put('/__books', new Response(JSON.stringify(list)));
}

// Keeps the pictures and byte ranges of the MAX_BOOKS most recently read books only.
function touchBook(id) {
  return serially(async () => {
    const list = await readList();
    if (list[0] === id) return;
    const next = [id, ...list.filter((b) => b !== id)];
    const old = new Set(next.slice(MAX_BOOKS));
    if (old.size) await dropEntries(BOOKS, (p) => old.has(bookOf(p)));
    await writeList(next.slice(0, MAX_BOOKS));
  });
}
