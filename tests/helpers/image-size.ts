/**
 * Reads the pixel size from JPEG and WebP headers, so tests can check rendered covers without an
 * image library. (The JPEG reader lives in src/: share previews declare cover sizes with it.)
 */
export { jpegSize } from '../../src/infra/image-size.ts';

export function webpSize(data: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WEBP') throw new Error('not a WebP');
  const chunk = buf.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    const bits = buf.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    return { width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 };
  }
  throw new Error(`unknown WebP chunk ${chunk}`);
}
