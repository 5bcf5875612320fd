import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../infra/logger.ts';
import type { Storage } from '../../infra/storage.ts';
import type { PdfEngine, WordBox } from '../../pdf/pdf-engine.ts';

/** Picture widths offered to browsers (srcset): old phone, common phone (2×), large phone / tablet. */
export const PICTURE_WIDTHS = [480, 720, 1080] as const;
export type PictureWidth = (typeof PICTURE_WIDTHS)[number];
export const isPictureWidth = (w: number): w is PictureWidth => (PICTURE_WIDTHS as readonly number[]).includes(w);

/** What we keep beside a page's pictures: its proportions and the words of its text layer. */
export interface PageLayout {
  /** Height ÷ width. */
  ratio: number;
  words: WordBox[];
}

interface Entry {
  size: number;
  used: number;
}

/**
 * Renders ahead are skipped while this many renders are under way: under load, pictures readers
 * are waiting for must not queue behind guesses (measured: 20 readers, each request warming two
 * more pages, made the cold p95 several times worse).
 */
const MAX_RENDERS_FOR_AHEAD = 3;

/** Persist a picture's last use (its mtime) at most this often: durable LRU without a write per read. */
const TOUCH_EVERY_MS = 60 * 60_000;

/**
 * Page pictures rendered on first request, kept on disk under storage/pages/<book>/ (written to a
 * temporary file and renamed, never half-written), within a size budget: beyond PAGE_CACHE_MB the
 * least recently used files go. The file system is the durable record (mtime = last use); the
 * in-memory index is rebuilt from it on the first request after a start. Several app instances
 * may share the folder: every hit checks the file itself, two instances rendering the same page
 * each write a temporary file and rename it (the last rename wins, both complete), and each
 * instance's budget check counts the files it has seen (the budget holds per instance's view).
 */
export class PagePictures {
  private readonly inFlight = new Map<string, Promise<void>>();
  private index: Map<string, Entry> | null = null;
  private loading: Promise<Map<string, Entry>> | null = null;
  private total = 0;
  private evicting: Promise<void> | null = null;

  constructor(private readonly d: { storage: Storage; pdf: () => PdfEngine; log: Logger; maxBytes: number; now?: () => number }) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  pictureKey(bookId: number, page: number, width: PictureWidth): string {
    return `${bookId}/${page}-${width}.webp`;
  }

  layoutKey(bookId: number, page: number): string {
    return `${bookId}/${page}.json`;
  }

  /** The path of the picture, rendered first if needed. Throws RangeError for a page the PDF lacks. */
  async picture(bookId: number, storageKey: string, page: number, width: PictureWidth): Promise<string> {
    const key = this.pictureKey(bookId, page, width);
    if (!(await this.hit(key))) await this.render(bookId, storageKey, page, width);
    return this.d.storage.path('pages', key);
  }

  /**
   * Proportions and word boxes of a page. Never on a picture's critical path: when they are not
   * on disk yet they come from a render of their own that draws nothing (words and size only), so
   * the first picture of a page is never held up by its text layer.
   */
  async layout(bookId: number, storageKey: string, page: number): Promise<PageLayout> {
    const key = this.layoutKey(bookId, page);
    const cached = await this.readLayout(key);
    if (cached) {
      void this.hit(key);
      return cached;
    }
    const job = `${bookId}/${page}/layout`;
    let running = this.inFlight.get(job);
    if (!running) {
      running = (async () => {
        const file = this.d.storage.path('books', storageKey);
        const r = await this.d.pdf().renderPage(file, page, { width: PICTURE_WIDTHS[0], words: true, layoutOnly: true });
        await this.store(key, JSON.stringify({ ratio: r.height / r.width, words: r.words ?? [] } satisfies PageLayout));
      })().finally(() => this.inFlight.delete(job));
      this.inFlight.set(job, running);
    }
    await running;
    return (await this.readLayout(key)) ?? Promise.reject(new Error('page layout vanished'));
  }

  private readLayout(key: string): Promise<PageLayout | null> {
    return fs
      .readFile(this.d.storage.path('pages', key), 'utf8')
      .then((s) => JSON.parse(s) as PageLayout)
      .catch(() => null);
  }

  /**
   * Renders a page's picture and layout unless both are on disk, as background work (the PDF pool
   * runs it only when idle): the pictures rendered ahead on publish. Returns the bytes written.
   */
  async prepare(bookId: number, storageKey: string, page: number, width: PictureWidth): Promise<number> {
    const pictureKey = this.pictureKey(bookId, page, width);
    const layoutKey = this.layoutKey(bookId, page);
    const [hasPicture, hasLayout] = await Promise.all([this.hit(pictureKey), this.d.storage.exists('pages', layoutKey)]);
    if (hasPicture && hasLayout) return 0;
    const file = this.d.storage.path('books', storageKey);
    const r = await this.d.pdf().renderPage(file, page, { width, words: !hasLayout, background: true });
    let bytes = 0;
    if (!hasPicture && r.webp) {
      await this.store(pictureKey, r.webp);
      bytes += r.webp.byteLength;
    }
    if (!hasLayout) {
      const json = JSON.stringify({ ratio: r.height / r.width, words: r.words ?? [] } satisfies PageLayout);
      await this.store(layoutKey, json);
      bytes += Buffer.byteLength(json);
    }
    return bytes;
  }

  /** Whether the cache has room for background work: it may fill `share` of PAGE_CACHE_MB. */
  async hasRoomFor(share: number): Promise<boolean> {
    return (await this.usedBytes()) < this.d.maxBytes * share;
  }

  /** Renders pages ahead of the reader (prefetch), in the background; errors are only logged. */
  warm(bookId: number, storageKey: string, pages: number[], width: PictureWidth, options: { ahead?: boolean } = { ahead: true }): void {
    for (const page of pages) {
      if (options.ahead && this.inFlight.size >= MAX_RENDERS_FOR_AHEAD) return;
      void this.picture(bookId, storageKey, page, width).catch((err: unknown) => {
        if (!(err instanceof RangeError)) this.d.log.warn({ err, bookId, page }, 'page picture not prepared');
      });
    }
  }

  /** Forgets every picture of a book (withdrawn, back to draft, deleted). */
  async removeBook(bookId: number): Promise<void> {
    const index = await this.loadIndex();
    for (const [key, e] of index) {
      if (key.startsWith(`${bookId}/`)) {
        index.delete(key);
        this.total -= e.size;
      }
    }
    // A render finishing meanwhile may add a file while the folder is being removed: retry.
    await fs.rm(this.d.storage.path('pages', String(bookId)), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }

  /** Renders under way in this process (the benchmark waits for them to settle). */
  rendering(): number {
    return this.inFlight.size;
  }

  /** Bytes on disk as the index counts them (for tests and the benchmark). */
  async usedBytes(): Promise<number> {
    await this.loadIndex();
    return this.total;
  }

  private async hit(key: string): Promise<boolean> {
    const index = await this.loadIndex();
    let entry = index.get(key);
    // The disk is the truth, not the index: with several app instances on one storage volume,
    // another instance may have written this file, or removed it (a withdrawn book, its eviction).
    const stat = await fs.stat(this.d.storage.path('pages', key)).catch(() => null);
    if (!stat) {
      if (entry) {
        index.delete(key);
        this.total -= entry.size;
      }
      return false;
    }
    if (!entry) {
      entry = { size: stat.size, used: stat.mtimeMs };
      index.set(key, entry);
      this.total += stat.size;
    }
    const now = this.now();
    if (now - entry.used > TOUCH_EVERY_MS) {
      const when = new Date(now);
      void fs.utimes(this.d.storage.path('pages', key), when, when).catch(() => undefined);
    }
    entry.used = now;
    return true;
  }

  /** The picture alone: the word boxes never delay it (layout() computes them on their own). */
  private render(bookId: number, storageKey: string, page: number, width: PictureWidth): Promise<void> {
    const job = `${bookId}/${page}/${width}`;
    const running = this.inFlight.get(job);
    if (running) return running;
    const work = (async () => {
      const file = this.d.storage.path('books', storageKey);
      const rendered = await this.d.pdf().renderPage(file, page, { width });
      if (!rendered.webp) throw new Error('renderer returned no picture');
      await this.store(this.pictureKey(bookId, page, width), rendered.webp);
    })().finally(() => this.inFlight.delete(job));
    this.inFlight.set(job, work);
    return work;
  }

  private async store(key: string, data: string | Uint8Array): Promise<void> {
    await this.d.storage.write('pages', key, data); // temporary file + rename
    const index = await this.loadIndex();
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    const old = index.get(key);
    if (old) this.total -= old.size;
    index.set(key, { size, used: this.now() });
    this.total += size;
    if (this.total > this.d.maxBytes) void this.evict();
  }

  /**
   * Removes least recently used files until the cache is at 90 % of its budget. It first re-reads
   * the folder: other app instances sharing the storage volume add files this index has not seen,
   * and the budget is for the folder, not for one instance.
   */
  evict(): Promise<void> {
    this.evicting ??= (async () => {
      const index = await this.rescan();
      const target = this.d.maxBytes * 0.9;
      const oldest = [...index.entries()].sort((a, b) => a[1].used - b[1].used);
      for (const [key, e] of oldest) {
        if (this.total <= target) break;
        // A file being written right now has just been used: it is at the end of the list, never here first.
        await fs.rm(this.d.storage.path('pages', key), { force: true });
        index.delete(key);
        this.total -= e.size;
      }
    })()
      .catch((err: unknown) => this.d.log.warn({ err }, 'page picture eviction failed'))
      .finally(() => (this.evicting = null));
    return this.evicting;
  }

  private loadIndex(): Promise<Map<string, Entry>> {
    if (this.index) return Promise.resolve(this.index);
    this.loading ??= this.rescan();
    return this.loading;
  }

  /**
   * The index from the folder. An index already in use is updated in place (its entries keep the
   * uses this process saw but has not yet written to mtimes; hits during the scan are not lost).
   */
  private async rescan(): Promise<Map<string, Entry>> {
    const root = path.join(this.d.storage.root, 'pages');
    const seen = new Map<string, { size: number; mtimeMs: number }>();
    for (const book of await fs.readdir(root).catch(() => [] as string[])) {
      if (!/^\d+$/.test(book)) continue;
      for (const name of await fs.readdir(path.join(root, book)).catch(() => [] as string[])) {
        if (name.startsWith('.')) continue; // a temporary file being written
        const stat = await fs.stat(path.join(root, book, name)).catch(() => null);
        if (stat?.isFile()) seen.set(`${book}/${name}`, { size: stat.size, mtimeMs: stat.mtimeMs });
      }
    }
    const index = this.index ?? new Map<string, Entry>();
    for (const key of index.keys()) if (!seen.has(key)) index.delete(key);
    let total = 0;
    for (const [key, file] of seen) {
      const entry = index.get(key);
      if (entry) {
        entry.size = file.size;
        entry.used = Math.max(entry.used, file.mtimeMs);
      } else index.set(key, { size: file.size, used: file.mtimeMs });
      total += file.size;
    }
    this.index = index;
    this.total = total;
    return index;
  }
}
