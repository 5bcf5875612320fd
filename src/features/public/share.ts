import fs from 'node:fs/promises';
import type { Storage } from '../../infra/storage.ts';
import { jpegSize } from '../../infra/image-size.ts';
import { coverKeys } from '../catalogue/books/covers.ts';
import { links } from './public.service.ts';

/**
 * Link previews (Open Graph + Twitter card) for the addresses readers paste into Zalo, Facebook and
 * Messenger. Every shared page declares a title, a description and an image with its size: apps
 * that see no size fetch the image first or show none. Portrait book covers make a "summary" card
 * (small image beside the text); a "summary_large_image" card crops a portrait cover to a strip.
 */
export interface ShareImage {
  url: string;
  width: number;
  height: number;
  alt: string;
}

export interface Share {
  type: 'website' | 'book' | 'article';
  title: string;
  description: string;
  url: string;
  image: ShareImage;
  card: 'summary' | 'summary_large_image';
}

/** The site's own image (the app icon) for pages without a cover. */
export const SITE_IMAGE = { path: '/static/icons/icon-512.png', width: 512, height: 512 };

export function share(
  base: string,
  s: { type?: Share['type']; title: string; description: string; path: string; image: ShareImage | null },
  siteName: string,
): Share {
  const image = s.image ?? { url: base + SITE_IMAGE.path, width: SITE_IMAGE.width, height: SITE_IMAGE.height, alt: siteName };
  return {
    type: s.type ?? 'website',
    title: s.title,
    description: oneLine(s.description, 200),
    url: base + s.path,
    image,
    // Only an image clearly wider than tall survives the large card's 1.91:1 crop.
    card: image.width >= image.height * 1.5 ? 'summary_large_image' : 'summary',
  };
}

/** Collapses whitespace and cuts at a word boundary, with an ellipsis when cut. */
export function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

const sizes = new Map<string, { width: number; height: number } | null>();

/**
 * A book's cover as a share image (the 400-wide JPEG, which every preview app reads), with the
 * height read from the file's header — covers keep the page's proportions. Cached per cover
 * version; null when the book has no cover or its file is unreadable.
 */
export async function coverShareImage(
  storage: Storage,
  base: string,
  book: { id: number; title: string; hasCover: boolean; coverVersion: number },
): Promise<ShareImage | null> {
  if (!book.hasCover) return null;
  const key = `${book.id}:${book.coverVersion}`;
  let size = sizes.get(key);
  if (size === undefined) {
    size = await readJpegSize(storage.path('covers', coverKeys.file(book.id, 400, 'jpg')));
    if (sizes.size >= 5000) sizes.clear();
    sizes.set(key, size);
  }
  return size ? { url: base + links.cover(book, 400, 'jpg'), ...size, alt: book.title } : null;
}

async function readJpegSize(file: string): Promise<{ width: number; height: number } | null> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    // The frame header sits after the quantisation tables, well inside the first 64 KB.
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return jpegSize(buf.subarray(0, bytesRead));
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
