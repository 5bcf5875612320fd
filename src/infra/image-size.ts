/** Reads the pixel size from a JPEG's frame header (no image library needed for one number pair). */
export function jpegSize(data: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf[0] !== 0xff || buf[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  let offset = 2;
  while (offset + 4 < buf.length) {
    if (buf[offset] !== 0xff) throw new Error(`bad JPEG marker at ${offset}`);
    const marker = buf[offset + 1];
    const length = buf.readUInt16BE(offset + 2);
    // SOF0…SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: buf.readUInt16BE(offset + 5), width: buf.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  throw new Error('JPEG without a frame header');
}
