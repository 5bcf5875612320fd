import type { Storage } from '../../../infra/storage.ts';

/** Cover sizes (CSS pixels of width) and formats, as the reader site serves them. */
export const COVER_WIDTHS = [200, 400] as const;
export type CoverWidth = (typeof COVER_WIDTHS)[number];
export type CoverFormat = 'webp' | 'jpg';

export interface CoverImage {
  width: CoverWidth;
  webp: Uint8Array;
  jpeg: Uint8Array;
}

/** Storage keys in area 'covers' (contract: `<bookId>/<width>.webp|jpg`). */
export const coverKeys = {
  folder: (bookId: number) => String(bookId),
  file: (bookId: number, width: CoverWidth, format: CoverFormat) => `${bookId}/${width}.${format}`,
};

export const isCoverWidth = (n: number): n is CoverWidth => (COVER_WIDTHS as readonly number[]).includes(n);

/** Writes every size and format atomically (each file via tmp + rename). */
export async function saveCovers(storage: Storage, bookId: number, images: CoverImage[]): Promise<void> {
  for (const img of images) {
    await storage.write('covers', coverKeys.file(bookId, img.width, 'webp'), img.webp);
    await storage.write('covers', coverKeys.file(bookId, img.width, 'jpg'), img.jpeg);
  }
}
