import fs from 'node:fs/promises';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { COVER_WIDTHS, type CoverImage } from '../features/catalogue/books/covers.ts';

/** Largest image we decode (pixels): a "decompression bomb" must be refused before decoding. */
const MAX_PIXELS = 40_000_000;
const MAX_ASPECT = 3;

/**
 * Turns a librarian's uploaded image (JPEG, PNG or WebP, already recognised by its bytes) into
 * the cover sizes. The declared dimensions are read from the header first, so a tiny file that
 * claims 100 000 × 100 000 pixels is refused instead of exhausting memory.
 */
export async function coverFromImageFile(file: string): Promise<CoverImage[]> {
  const data = await fs.readFile(file);
  const dims = imageDimensions(data);
  if (!dims || dims.width < 16 || dims.height < 16 || dims.width * dims.height > MAX_PIXELS)
    throw new Error('unsupported or oversized image');
  const img = await loadImage(data);
  const out: CoverImage[] = [];
  for (const width of COVER_WIDTHS) {
    const scaled = Math.round((width * img.height) / img.width);
    const height = Math.max(1, Math.min(scaled, width * MAX_ASPECT));
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(img, 0, 0, width, scaled);
    const [webp, jpeg] = await Promise.all([canvas.encode('webp', 80), canvas.encode('jpeg', 82)]);
    out.push({ width, webp, jpeg });
  }
  return out;
}

/** Width and height from a PNG, JPEG or WebP header; null when the header is not understood. */
export function imageDimensions(b: Buffer): { width: number; height: number } | null {
  if (b.length > 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.length > 30 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = b.toString('latin1', 12, 16);
    if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
    if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = b.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    return null;
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      const length = b.readUInt16BE(i + 2);
      // SOF0..SOF15 carry the frame size (C4 = DHT, C8 = JPG, CC = DAC are not frames).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
      }
      i += 2 + length;
    }
  }
  return null;
}
