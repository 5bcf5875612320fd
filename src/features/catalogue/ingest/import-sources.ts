import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { Storage } from '../../../infra/storage.ts';
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

/**
 * PDFs inside a ZIP (web import). Entry sizes are checked against what is actually inflated
 * (yauzl validates declared sizes), each entry is capped at `maxBytes`, and names are only
 * used as labels — never as paths on our disk.
 */
export async function zipSource(zipPath: string, opts: { maxBytes: number; maxEntries: number }): Promise<ImportSource> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, autoClose: false });
  const all: yauzl.Entry[] = [];
  for await (const entry of zip.eachEntry()) {
    if (all.length >= opts.maxEntries) throw Object.assign(new Error('too many entries in ZIP'), { code: 'zip_too_many' });
    all.push(entry);
  }
  const pdfs = all.filter((e) => !e.fileName.endsWith('/') && isPdfName(e.fileName) && !e.fileName.includes('__MACOSX/'));
  return {
    count: async () => pdfs.length,
    close: async () => zip.close(),
    manifestText: async () => {
      const m = all.find((e) => MANIFEST_NAME.test(e.fileName) && !e.fileName.includes('__MACOSX/'));
      if (!m || m.uncompressedSize > 5 * 1024 * 1024) return null;
      const chunks: Buffer[] = [];
      for await (const c of await zip.openReadStreamPromise(m)) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async *entries() {
      for (const entry of pdfs) {
        yield {
          name: entry.fileName,
          toTmp: async (storage: Storage) => {
            if (entry.uncompressedSize > opts.maxBytes) throw Object.assign(new Error('entry too large'), { code: 'too_large' });
            const tmpPath = await storage.tmpPath('.zip-entry');
            return { tmpPath, ...(await streamToFile(await zip.openReadStreamPromise(entry), tmpPath)) };
          },
        };
      }
    },
  };
}
