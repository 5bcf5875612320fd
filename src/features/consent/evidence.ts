import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { EvidenceType } from '../../db/schema/consent.ts';
import type { MessageKey } from '../../http/i18n/index.ts';
import type { Storage } from '../../infra/storage.ts';
import { isPdfRejection } from '../../pdf/pdf-engine.ts';

export const EVIDENCE_MAX_BYTES = 20 * 1024 * 1024;
export const EVIDENCE_MAX_FILES = 5;

const EXT: Record<EvidenceType, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };

export class EvidenceRejected extends Error {
  constructor(readonly messageKey: MessageKey) {
    super(messageKey);
    this.name = 'EvidenceRejected';
  }
}

/**
 * What the file really is, from its first bytes — never from its name or the browser's claim.
 * PNG and JPEG are also checked for a plausible structure (a header chunk / a frame marker), so a
 * renamed text file with a forged signature is still refused.
 */
export function sniffEvidence(head: Buffer): EvidenceType | null {
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (head.length >= 24 && head.subarray(0, 8).equals(png) && head.subarray(12, 16).toString('latin1') === 'IHDR') {
    return head.readUInt32BE(16) > 0 && head.readUInt32BE(20) > 0 ? 'image/png' : null;
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  return null;
}

/** A JPEG must carry a start-of-frame marker (SOF0–SOF15, minus DHT/JPG/DAC) to be an image at all. */
function jpegHasFrame(bytes: Buffer): boolean {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return false;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return true;
    if (marker === 0xda || marker === 0xd9) return false; // scan or end before any frame header
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return false;
}

export interface ValidatedEvidence {
  mimeType: EvidenceType;
  extension: string;
  sha256: string;
  sizeBytes: number;
}

/** Opens a PDF and throws when it cannot be read (corrupt, password-protected). */
export type PdfCheck = (file: string) => Promise<void>;

/**
 * Checks an uploaded file (already on disk in storage/tmp) and hashes it. Throws EvidenceRejected.
 * `checkPdf` is the catalogue's PDF worker (never pdf.js on the event loop that serves requests).
 */
export async function validateEvidence(file: string, checkPdf: PdfCheck): Promise<ValidatedEvidence> {
  const stat = await fs.stat(file);
  if (stat.size === 0) throw new EvidenceRejected('consent.evidence.empty');
  if (stat.size > EVIDENCE_MAX_BYTES) throw new EvidenceRejected('consent.evidence.tooLarge');
  const handle = await fs.open(file, 'r');
  // 256 KiB: JPEG frame headers can sit behind large EXIF/ICC segments.
  const head = Buffer.alloc(Math.min(256 * 1024, stat.size));
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const mimeType = sniffEvidence(head);
  if (!mimeType) throw new EvidenceRejected('consent.evidence.badType');
  if (mimeType === 'image/jpeg' && !jpegHasFrame(head)) throw new EvidenceRejected('consent.evidence.corrupt');
  if (mimeType === 'application/pdf') {
    // Stored like the books: only a PDF that pdf.js can open (and is not locked) is kept.
    try {
      await checkPdf(file);
    } catch (err) {
      if (isPdfRejection(err)) throw new EvidenceRejected('consent.evidence.corrupt');
      throw err;
    }
  }
  return { mimeType, extension: EXT[mimeType], sha256: await sha256File(file), sizeBytes: stat.size };
}

async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Moves a validated upload into storage/evidence under its content hash (the same scan uploaded
 * twice is stored once). storage/evidence is never served statically: only the guarded admin route
 * streams it.
 */
export async function storeEvidence(storage: Storage, tmpFile: string, v: ValidatedEvidence): Promise<string> {
  const key = `${v.sha256}.${v.extension}`;
  if (await storage.exists('evidence', key)) await fs.rm(tmpFile, { force: true });
  else await storage.moveIn(tmpFile, 'evidence', key);
  return key;
}
