import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline as pipelineCb, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { MessageKey } from '../../../http/i18n/index.ts';
import type { Storage } from '../../../infra/storage.ts';
import { decodeManifest, MANIFEST_MAX_BYTES, manifestTooLarge } from './manifest.ts';
import { streamToFile } from './upload-storage.ts';

/** A file to import, copied into storage/tmp only when it is actually needed. */
export interface ImportEntry {
  /** Path relative to the folder or ZIP root, with forward slashes (what a manifest names). */
  name: string;
  /** The SHA-256 without copying, when cheap (folders); ZIP entries are hashed while extracted. */
  hash?(): Promise<string>;
  toTmp(storage: Storage): Promise<{ tmpPath: string; size: number; sha256: string; head: Buffer }>;
}

export interface ImportSource {
  entries(): AsyncIterable<ImportEntry>;
  /** Number of PDF entries, for the progress bar. */
  count(): Promise<number>;
  /** Text of `books.csv` inside the source, if present (ZIP imports). */
  manifestText(): Promise<string | null>;
  close(): Promise<void>;
}

const isPdfName = (name: string) => /\.pdf$/i.test(name);
const MANIFEST_NAME = /(^|\/)books\.csv$/i;

/** PDFs in a folder, recursively, in a stable (sorted) order so re-runs resume predictably. */
export function folderSource(root: string): ImportSource {
  const list = async (): Promise<string[]> => {
    const found = (await fsp.readdir(root, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile() && isPdfName(d.name))
      .map((d) =>
        path
          .relative(root, path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
          .split(path.sep)
          .join('/'),
      );
    return found.sort((a, b) => a.localeCompare(b, 'vi'));
  };
  return {
    count: async () => (await list()).length,
    manifestText: async () => null,
    close: async () => undefined,
    async *entries() {
      for (const name of await list()) {
        const full = path.join(root, name);
        yield {
          name,
          hash: async () => {
            const h = crypto.createHash('sha256');
            await pipeline(fs.createReadStream(full), h);
            return h.digest('hex');
          },
          toTmp: async (storage: Storage) => {
            const tmpPath = await storage.tmpPath('.import');
            return { tmpPath, ...(await streamToFile(fs.createReadStream(full), tmpPath)) };
          },
        };
      }
    },
  };
}

/** Ceilings of a ZIP import, checked from the central directory before anything is extracted. */
export interface ZipLimits {
  /** Entries of any kind (directories and junk included). */
  maxEntries: number;
  /** One PDF's size: larger ones are refused one by one, like an upload over the limit. */
  maxEntryBytes: number;
  /** Sum of every entry's declared uncompressed size. */
  maxTotalBytes: number;
  /** Uncompressed ÷ compressed for entries over 1 MB: PDFs barely compress, zeros compress 1000×. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: Omit<ZipLimits, 'maxEntryBytes'> = {
  maxEntries: 500,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxRatio: 100,
};

export type ZipRefusal = 'zip_too_many' | 'zip_too_big' | 'zip_ratio';

export const ZIP_REFUSALS: Record<ZipRefusal, MessageKey> = {
  zip_too_many: 'catalogue.import.zipTooMany',
  zip_too_big: 'catalogue.import.zipTooBig',
  zip_ratio: 'catalogue.import.zipRatio',
};

/** The whole ZIP is refused (a bomb, or more than one import should take); `params` fill the message. */
export class ZipLimitError extends Error {
  override readonly name = 'ZipLimitError';
  constructor(
    readonly code: ZipRefusal,
    readonly params: Record<string, string | number>,
  ) {
    super(`ZIP refused (${code}): ${JSON.stringify(params)}`);
  }
}

const MiB = 1024 * 1024;

/**
 * PDFs inside a ZIP (web import). Before anything is extracted, the central directory is read
 * and checked against `limits` (entry count, total uncompressed size, compression ratio); while
 * extracting, the bytes actually inflated are counted again, because headers can lie (yauzl also
 * fails an entry whose inflated size differs from its declared one). Names are only used as
 * labels — never as paths on our disk.
 */
export async function zipSource(zipPath: string, limits: ZipLimits): Promise<ImportSource> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, autoClose: false });
  let inflated = 0;
  try {
    const all: yauzl.Entry[] = [];
    let declared = 0;
    for await (const entry of zip.eachEntry()) {
      if (all.length >= limits.maxEntries) throw new ZipLimitError('zip_too_many', { max: limits.maxEntries });
      all.push(entry);
      declared += entry.uncompressedSize;
      if (declared > limits.maxTotalBytes) throw new ZipLimitError('zip_too_big', { max: Math.round(limits.maxTotalBytes / MiB) });
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (entry.uncompressedSize > MiB && ratio > limits.maxRatio) {
        throw new ZipLimitError('zip_ratio', { name: entry.fileName, ratio: Math.round(ratio), max: limits.maxRatio });
      }
    }
    const usable = (e: yauzl.Entry) => !e.fileName.endsWith('/') && !e.fileName.includes('__MACOSX/');
    const pdfs = all.filter((e) => usable(e) && isPdfName(e.fileName));
    const manifest = all.find((e) => usable(e) && MANIFEST_NAME.test(e.fileName));
    /** The entry's bytes as they inflate, counted against the declared size and the ZIP's total. */
    const open = async (entry: yauzl.Entry) => {
      const stream = await zip.openReadStreamPromise(entry);
      let seen = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          seen += chunk.length;
          inflated += chunk.length;
          if (seen > entry.uncompressedSize || inflated > limits.maxTotalBytes) {
            return cb(new ZipLimitError('zip_too_big', { max: Math.round(limits.maxTotalBytes / MiB) }));
          }
          cb(null, chunk);
        },
      });
      // pipeline, not pipe: yauzl's own size check fails the source stream, and that error must
      // reach whoever reads `counted` (with pipe it was thrown as an uncaught exception).
      pipelineCb(stream, counted, () => undefined);
      return counted;
    };
    return {
      count: async () => pdfs.length,
      close: async () => zip.close(),
      manifestText: async () => {
        if (!manifest) return null;
        if (manifest.uncompressedSize > MANIFEST_MAX_BYTES) throw manifestTooLarge(manifest.fileName);
        const chunks: Buffer[] = [];
        for await (const c of await open(manifest)) chunks.push(c as Buffer);
        return decodeManifest(Buffer.concat(chunks), manifest.fileName);
      },
      async *entries() {
        for (const entry of pdfs) {
          yield {
            name: entry.fileName,
            toTmp: async (storage: Storage) => {
              if (entry.uncompressedSize > limits.maxEntryBytes) throw Object.assign(new Error('entry too large'), { code: 'too_large' });
              const tmpPath = await storage.tmpPath('.zip-entry');
              return { tmpPath, ...(await streamToFile(await open(entry), tmpPath)) };
            },
          };
        }
      },
    };
  } catch (err) {
    zip.close();
    throw err;
  }
}
