import type { Logger } from '../../infra/logger.ts';
import type { Storage } from '../../infra/storage.ts';
import type { PdfEngine } from '../../pdf/pdf-engine.ts';

/** Wide enough to read on a phone held upright (390 CSS px at 2× is sharp enough for print-size text). */
export const PREVIEW_WIDTH = 720;

/**
 * An image of page 1, shown by the reader while pdf.js and the first byte ranges are still on
 * their way. On a first visit over a slow connection the reader's code alone (~250 KB) takes
 * seconds; this picture (~30–80 KB) lets an elderly reader start at once. Rendered once per book
 * in the PDF worker threads, kept beside the covers (deleted with them), never rendered on a
 * public request: a missing preview is queued and the page simply goes without it that time.
 */
export class PagePreviews {
  private readonly inFlight = new Map<number, Promise<boolean>>();

  constructor(private readonly d: { storage: Storage; pdf: () => PdfEngine; log: Logger }) {}

  key(bookId: number): string {
    return `${bookId}/page-1.webp`;
  }

  path(bookId: number): string {
    return this.d.storage.path('covers', this.key(bookId));
  }

  exists(bookId: number): Promise<boolean> {
    return this.d.storage.exists('covers', this.key(bookId));
  }

  /** Whether a render of this book's preview is under way (the route starts it before answering). */
  isRendering(bookId: number): boolean {
    return this.inFlight.has(bookId);
  }

  /** Renders the preview unless it exists; concurrent calls share one render. Never throws. */
  ensure(bookId: number, storageKey: string): Promise<boolean> {
    const running = this.inFlight.get(bookId);
    if (running) return running;
    const job = (async () => {
      if (await this.exists(bookId)) return true;
      const webp = await this.d.pdf().renderFirstPage(this.d.storage.path('books', storageKey), PREVIEW_WIDTH);
      if (!webp) return false; // blank page 1: nothing worth showing
      await this.d.storage.write('covers', this.key(bookId), webp); // tmp + rename: never a half-written image
      return true;
    })()
      .catch((err: unknown) => {
        this.d.log.warn({ err, bookId }, 'page preview not rendered');
        return false;
      })
      .finally(() => this.inFlight.delete(bookId));
    this.inFlight.set(bookId, job);
    return job;
  }
}
