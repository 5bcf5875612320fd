import { checkPdfHeader, withCheckedPdf } from './inspect-pdf.ts';
import { withPage, type PDFDocumentProxy, type PDFPageProxy } from './pdfjs.ts';

export interface CoverVariant {
  width: number;
  height: number;
  jpeg: Buffer;
  webp: Buffer;
}

export interface CoverImages {
  /** The page that was rendered: the first one that isn't blank. */
  pageNumber: number;
  /** One per requested width, narrowest first. */
  variants: CoverVariant[];
}

export interface CoverOptions {
  widths?: readonly number[];
  /** Give up (return null) when this many leading pages are all blank. */
  maxPagesToTry?: number;
  jpegQuality?: number;
  webpQuality?: number;
}

/**
 * The subset of @napi-rs/canvas that we use. We take canvases from pdf.js's own `canvasFactory`
 * (its Node factory loads the @napi-rs/canvas that pdfjs-dist depends on), so the project
 * neither depends on nor loads a second copy of the native module.
 */
interface NodeCanvas {
  width: number;
  height: number;
  encode(format: 'jpeg' | 'webp', quality?: number): Promise<Buffer>;
}
interface NodeContext2D {
  fillStyle: unknown;
  fillRect(x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  /** Takes back what getImageData gave (an ImageData), edited in place. */
  putImageData(image: { data: Uint8ClampedArray }, x: number, y: number): void;
}
interface CanvasAndContext {
  canvas: NodeCanvas;
  context: NodeContext2D;
}
interface CanvasFactory {
  create(width: number, height: number): CanvasAndContext;
  destroy(entry: CanvasAndContext): void;
}

const DEFAULTS = { widths: [200, 400], maxPagesToTry: 10, jpegQuality: 82, webpQuality: 80 } as const;
/** Very tall pages (scrolls, posters) are cropped: a cover thumbnail is at most this many widths high. */
const MAX_ASPECT = 3;

/** Renders a cover from a PDF file. Returns null when no leading page has visible content. */
export async function renderCover(filePath: string, options: CoverOptions = {}): Promise<CoverImages | null> {
  await checkPdfHeader(filePath);
  return withCheckedPdf(filePath, (doc) => renderCoverFromDocument(doc, options));
}

export async function renderCoverFromDocument(doc: PDFDocumentProxy, options: CoverOptions = {}): Promise<CoverImages | null> {
  const widths = [...(options.widths ?? DEFAULTS.widths)].sort((a, b) => a - b);
  if (widths.length === 0 || widths.some((w) => !Number.isInteger(w) || w < 16 || w > 4000)) {
    throw new RangeError(`cover widths must be integers in 16..4000, got ${widths.join(', ')}`);
  }
  const factory = canvasFactoryOf(doc);
  const lastPage = Math.min(doc.numPages, options.maxPagesToTry ?? DEFAULTS.maxPagesToTry);
  for (let n = 1; n <= lastPage; n++) {
    try {
      const variants = await withPage(doc, n, async (page) => {
        const out: CoverVariant[] = [];
        for (const width of widths) {
          // The narrowest render doubles as the blank-page test, so a blank page costs one small render.
          const rendered = await renderPage(page, factory, width, out.length === 0);
          if (!rendered) return null;
          out.push({
            width: rendered.width,
            height: rendered.height,
            jpeg: rendered.jpeg,
            webp: rendered.webp,
          });
        }
        return out;
      });
      if (variants) return { pageNumber: n, variants };
    } catch {
      // A page that fails to render is skipped like a blank one: the cover is best-effort.
    }
  }
  return null;

  async function renderPage(page: PDFPageProxy, canvases: CanvasFactory, width: number, checkBlank: boolean) {
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: width / base.width });
    const height = Math.max(1, Math.min(Math.round(viewport.height), width * MAX_ASPECT));
    const entry = canvases.create(width, height);
    try {
      // Pages are transparent where nothing is drawn; JPEG would turn that black.
      entry.context.fillStyle = '#ffffff';
      entry.context.fillRect(0, 0, width, height);
      await page.render({ canvas: null, canvasContext: entry.context as never, viewport, background: '#ffffff' }).promise;
      if (checkBlank && isBlank(entry.context.getImageData(0, 0, width, height).data)) return null;
      const [jpeg, webp] = await Promise.all([
        entry.canvas.encode('jpeg', options.jpegQuality ?? DEFAULTS.jpegQuality),
        entry.canvas.encode('webp', options.webpQuality ?? DEFAULTS.webpQuality),
      ]);
      return { width, height, jpeg, webp };
    } finally {
      canvases.destroy(entry);
    }
  }
}

/**
 * Blank = (almost) every pixel near-white. A few stray pixels (a lone page number, scanner dust)
 * don't make a cover, hence the 0.05 % threshold rather than "any pixel".
 */
function isBlank(rgba: Uint8ClampedArray): boolean {
  const pixels = rgba.length / 4;
  const needed = Math.max(8, Math.ceil(pixels * 0.0005));
  let inked = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] < 235 || rgba[i + 1] < 235 || rgba[i + 2] < 235) {
      if (++inked >= needed) return false;
    }
  }
  return true;
}

export function canvasFactoryOf(doc: PDFDocumentProxy): CanvasFactory {
  const factory: unknown = doc.canvasFactory;
  if (
    typeof factory === 'object' &&
    factory !== null &&
    'create' in factory &&
    typeof factory.create === 'function' &&
    'destroy' in factory &&
    typeof factory.destroy === 'function'
  ) {
    return factory as CanvasFactory;
  }
  throw new Error('pdf.js has no canvas factory (is @napi-rs/canvas installed with pdfjs-dist?)');
}
