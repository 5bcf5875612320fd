import type { Logger } from '../../infra/logger.ts';
import type { Storage } from '../../infra/storage.ts';
import { isPdfRejection, type PdfEngine } from '../../pdf/pdf-engine.ts';

/** After a failure that may be passing (a worker crash, shutdown), how long before trying again. */
const RETRY_AFTER_MS = 60 * 60_000;

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
  /** Books whose render failed for a reason that may pass: not retried before the time stored here. */
  private readonly backOff = new Map<number, number>();

  constructor(private readonly d: { storage: Storage; pdf: () => PdfEngine; log: Logger }) {}

  key(bookId: number): string {
    return `${bookId}/page-1.webp`;
  }

  path(bookId: number): string {
    return this.d.storage.path('covers', this.key(bookId));
  }

  /**
   * Marks a book whose page 1 is blank or cannot be rendered (a refused, too heavy file): kept
   * beside the covers — so it goes with them — and checked before any render, so that visits to
   * such a book never render it again (a bomb once cost 5.5 GB per anonymous visit).
   */
  noneKey(bookId: number): string {
    return `${bookId}/page-1.none`;
  }

  exists(bookId: number): Promise<boolean> {
    return this.d.storage.exists('covers', this.key(bookId));
  }

  /** Whether a render of this book's preview is under way (the route starts it before answering). */
  isRendering(bookId: number): boolean {
    return this.inFlight.has(bookId);
  }

  /** Renders the preview unless it exists or is known not to; concurrent calls share one render. Never throws. */
  ensure(bookId: number, storageKey: string): Promise<boolean> {
    const running = this.inFlight.get(bookId);
    if (running) return running;
    const retryAt = this.backOff.get(bookId);
    if (retryAt !== undefined) {
      if (retryAt > Date.now()) return Promise.resolve(false);
      this.backOff.delete(bookId);
    }
    const job = (async () => {
      if (await this.exists(bookId)) return true;
      if (await this.d.storage.exists('covers', this.noneKey(bookId))) return false;
      const webp = await this.d.pdf().renderFirstPage(this.d.storage.path('books', storageKey), PREVIEW_WIDTH);
      if (!webp) {
        await this.d.storage.write('covers', this.noneKey(bookId), 'blank\n'); // nothing worth showing
        return false;
      }
      await this.d.storage.write('covers', this.key(bookId), webp); // tmp + rename: never a half-written image
      return true;
    })()
      .catch(async (err: unknown) => {
        this.d.log.warn({ err, bookId }, 'page preview not rendered');
        if (isPdfRejection(err)) {
          await this.d.storage.write('covers', this.noneKey(bookId), `${err.code}\n`).catch(() => undefined);
        } else {
          this.backOff.set(bookId, Date.now() + RETRY_AFTER_MS);
        }
        return false;
      })
      .finally(() => this.inFlight.delete(bookId));
    this.inFlight.set(bookId, job);
    return job;
  }
}
