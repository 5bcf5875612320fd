import QRCode from 'qrcode';

/** Pixel widths offered for download (poster, flyer, table tent, large print). */
export const QR_SIZES = [256, 512, 1024, 2048] as const;
export type QrSize = (typeof QR_SIZES)[number];

/**
 * The URL a poster's QR code holds and prints, from PUBLIC_BASE_URL. Short on purpose: fewer
 * modules make a QR code that older phone cameras read from across a room, and people can type it.
 */
export function scanUrl(publicBaseUrl: string, code: string, bookId?: number | null): string {
  return `${publicBaseUrl}/q/${code}${bookId ? `/${bookId}` : ''}`;
}

// Error correction M (15%): survives a crease or a bit of tape, keeps the code coarse enough to print small.
const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 4 };

export function qrPng(url: string, width: QrSize): Promise<Buffer> {
  return QRCode.toBuffer(url, { ...OPTIONS, type: 'png', width });
}

export function qrSvg(url: string, width: QrSize): Promise<string> {
  return QRCode.toString(url, { ...OPTIONS, type: 'svg', width });
}
