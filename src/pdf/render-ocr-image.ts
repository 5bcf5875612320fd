import { checkPdfHeader, withCheckedPdf } from './inspect-pdf.ts';
import { withPage, type PDFDocumentProxy } from './pdfjs.ts';

/**
 * One page rendered as a greyscale-friendly PNG for text recognition (OCR). Self-contained on
 * purpose: the cover and page-picture renderers serve people, this one serves tesseract, which
 * wants ~300 dpi, white paper and lossless pixels (JPEG/WebP artefacts cost accuracy).
 */

export interface OcrImageOptions {
  /** Resolution of the rendering; 300 is tesseract's sweet spot for book text. */
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
    const scale = Math.min(options.dpi / 72, maxSide / Math.max(base.width, base.height));
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
      return { pageNumber, width, height, png, blank };
    } finally {
      factory.destroy(entry);
    }
  });
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
