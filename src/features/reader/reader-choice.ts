import type { Request } from 'express';
import { PICTURE_WIDTHS, type PictureWidth } from './page-pictures.ts';

/**
 * Which reader a visitor gets at /doc/:id. The page-picture reader (a few KB of script, one small
 * picture per page) is the default wherever the browser tells us bytes are dear: a phone, Save-Data,
 * a slow connection (Client Hints ECT/Downlink) — and always when the consent does not allow the
 * PDF to be downloaded, since pdf.js would need the file itself. The pdf.js reader remains, as
 * "Đọc bản gốc (PDF)", only where the download is allowed.
 */
export type ReaderKind = 'pdf' | 'pictures';

/** Hints we ask browsers to send on later requests (Chromium; others simply do not). */
export const ACCEPT_CH = 'Sec-CH-UA-Mobile, ECT, Downlink, Sec-CH-Viewport-Width, Sec-CH-DPR';
/** Request headers the choice depends on (for Vary, so a shared cache never mixes them up). */
export const CHOICE_VARY = 'Save-Data, ECT, Downlink, Sec-CH-UA-Mobile, User-Agent';

export function chooseReader(req: Request, allowDownload: boolean): ReaderKind {
  if (!allowDownload) return 'pictures';
  if (req.query.ban === 'pdf') return 'pdf';
  if (req.query.ban === 'anh') return 'pictures';
  if (savesData(req) || slowConnection(req) || isPhone(req)) return 'pictures';
  return 'pdf';
}

export function savesData(req: Request): boolean {
  return (req.get('save-data') ?? '').toLowerCase() === 'on';
}

/** ECT "slow-2g", "2g" or "3g", or a measured downlink under 1.5 Mbit/s. */
export function slowConnection(req: Request): boolean {
  const ect = (req.get('ect') ?? '').toLowerCase();
  if (/^(slow-2g|2g|3g)$/.test(ect)) return true;
  const downlink = Number(req.get('downlink'));
  return Number.isFinite(downlink) && downlink > 0 && downlink < 1.5;
}

export function isPhone(req: Request): boolean {
  if (req.get('sec-ch-ua-mobile') === '?1') return true;
  return /Mobi|Android|iPhone|iPod|Opera Mini|KaiOS/i.test(req.get('user-agent') ?? '');
}

/**
 * The width the server renders ahead (before the browser has chosen from srcset): from the
 * viewport hints when sent, else 720 for phones (a 360-px screen at 2×) and 1080 otherwise.
 */
export function likelyWidth(req: Request): PictureWidth {
  const vw = Number(req.get('sec-ch-viewport-width'));
  const dpr = Number(req.get('sec-ch-dpr')) || 1;
  if (Number.isFinite(vw) && vw > 0) {
    const needed = Math.min(vw, 860) * dpr;
    return PICTURE_WIDTHS.find((w) => w >= needed) ?? PICTURE_WIDTHS[PICTURE_WIDTHS.length - 1];
  }
  if (savesData(req)) return 480;
  return isPhone(req) ? 720 : 1080;
}
