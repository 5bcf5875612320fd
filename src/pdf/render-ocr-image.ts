import { checkPdfHeader, withCheckedPdf } from './inspect-pdf.ts';
import { loadPdfjsModules } from './load-pdfjs.mjs';
import { withPage, type PDFDocumentProxy, type PDFPageProxy } from './pdfjs.ts';

/**
 * One page rendered as a greyscale-friendly PNG for text recognition (OCR). Self-contained on
 * purpose: the cover and page-picture renderers serve people, this one serves tesseract, which
 * wants ~300 dpi, white paper and lossless pixels (JPEG/WebP artefacts cost accuracy).
 */

export interface OcrImageOptions {
  /**
   * Highest resolution of the rendering; 300 is tesseract's sweet spot for book text. A page that
   * is only a picture (a scan) is rendered at the picture's own resolution when that is lower
   * (not below 150 dpi): upscaling a 150-dpi scan adds no detail, only recognition time.
   */
  dpi: number;
  /** Cap on the longer side, so a poster-sized page cannot take gigabytes. */
  maxSide?: number;
}

export interface OcrImage {
  pageNumber: number;
  width: number;
  height: number;
  png: Uint8Array;
  /** Nothing drawn on the page: recognition can be skipped. */
  blank: boolean;
  /** The resolution used. */
  dpi: number;
}

interface Canvas {
  encode(format: 'png'): Promise<Buffer>;
}
interface Context2D {
  fillStyle: unknown;
  fillRect(x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
interface CanvasFactory {
  create(width: number, height: number): { canvas: Canvas; context: Context2D };
  destroy(entry: { canvas: Canvas; context: Context2D }): void;
}

const DEFAULT_MAX_SIDE = 5000;

export async function renderOcrImage(filePath: string, pageNumber: number, options: OcrImageOptions): Promise<OcrImage> {
  await checkPdfHeader(filePath);
  return withCheckedPdf(filePath, (doc) => renderOcrImageFromDocument(doc, pageNumber, options));
}

export async function renderOcrImageFromDocument(doc: PDFDocumentProxy, pageNumber: number, options: OcrImageOptions): Promise<OcrImage> {
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > doc.numPages) {
    throw new RangeError(`page ${pageNumber} is outside 1..${doc.numPages}`);
  }
  if (!(options.dpi >= 50 && options.dpi <= 600)) throw new RangeError(`dpi must be in 50..600, got ${options.dpi}`);
  const factory = doc.canvasFactory as unknown as CanvasFactory;
  return withPage(doc, pageNumber, async (page) => {
    const base = page.getViewport({ scale: 1 }); // PDF units: 1/72 inch
    const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
    const native = await scanResolution(page, base.width).catch(() => null);
    const dpi = native === null ? options.dpi : Math.min(options.dpi, Math.max(MIN_SCAN_DPI, native));
    const scale = Math.min(dpi / 72, maxSide / Math.max(base.width, base.height));
    const viewport = page.getViewport({ scale });
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));
    const entry = factory.create(width, height);
    try {
      entry.context.fillStyle = '#ffffff';
      entry.context.fillRect(0, 0, width, height);
      await page.render({ canvas: null, canvasContext: entry.context as never, viewport, background: '#ffffff' }).promise;
      const blank = isBlank(entry.context.getImageData(0, 0, width, height).data);
      const png = blank ? new Uint8Array() : new Uint8Array(await entry.canvas.encode('png'));
      return { pageNumber, width, height, png, blank, dpi: Math.round(scale * 72) };
    } finally {
      factory.destroy(entry);
    }
  });
}

const MIN_SCAN_DPI = 150;

/**
 * The resolution of the widest picture on a page that shows pictures and no text (a scan), or
 * null. The operator list is the one render() uses next, so asking for it costs little extra.
 */
async function scanResolution(page: PDFPageProxy, pageWidthPt: number): Promise<number | null> {
  const { OPS } = await loadPdfjsModules();
  const textOps = new Set<number>([OPS.showText, OPS.showSpacedText, OPS.nextLineShowText, OPS.nextLineSetSpacingShowText]);
  const list = await page.getOperatorList();
  let widest = 0;
  for (let i = 0; i < list.fnArray.length; i++) {
    const fn = list.fnArray[i];
    if (textOps.has(fn)) return null;
    if (fn === OPS.paintImageXObject || fn === OPS.paintImageMaskXObject) {
      const args = list.argsArray[i] as unknown[];
      const w = typeof args[1] === 'number' ? args[1] : ((args[0] as { width?: number } | null)?.width ?? 0);
      widest = Math.max(widest, w);
    } else if (fn === OPS.paintInlineImageXObject) {
      widest = Math.max(widest, (list.argsArray[i] as Array<{ width?: number }>)[0]?.width ?? 0);
    }
  }
  return widest > 0 ? Math.round((widest / pageWidthPt) * 72) : null;
}

/** Fewer than 0.01 % inked pixels: scanner dust or a lone page number is not worth recognising. */
function isBlank(rgba: Uint8ClampedArray): boolean {
  const needed = Math.max(8, Math.ceil((rgba.length / 4) * 0.0001));
  let inked = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] < 200 || rgba[i + 1] < 200 || rgba[i + 2] < 200) if (++inked >= needed) return false;
  }
  return true;
}
