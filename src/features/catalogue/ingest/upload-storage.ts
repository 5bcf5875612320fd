import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { multipartCsrf } from '../../../http/csrf.ts';
import { checkMultipart, invalidInput, isMalformedMultipart } from '../../../http/edge-hygiene.ts';
import { diskFull, isDiskFull } from '../../../http/fault-errors.ts';
import { AppError } from '../../../http/errors.ts';
import type { Storage } from '../../../infra/storage.ts';

/** What our storage engine adds to each multer file. */
export interface StoredUpload {
  originalname: string;
  path: string;
  size: number;
  sha256: string;
  /** The first bytes, to recognise the format by content, not by name. */
  head: Buffer;
}

const HEAD_BYTES = 1024;

/** Streams `source` to `target`, hashing and measuring on the way; nothing is buffered whole. */
export async function streamToFile(source: NodeJS.ReadableStream, target: string): Promise<{ size: number; sha256: string; head: Buffer }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  const chunks: Buffer[] = [];
  let headLength = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      if (headLength < HEAD_BYTES) {
        chunks.push(chunk.subarray(0, HEAD_BYTES - headLength));
        headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
      }
      cb(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await fsp.rm(target, { force: true });
    throw err;
  }
  return { size, sha256: hash.digest('hex'), head: Buffer.concat(chunks) };
}

/** A multer storage engine that writes to storage/tmp with a SHA-256 computed while streaming. */
class HashingTmpStorage implements multer.StorageEngine {
  constructor(private readonly storage: Storage) {}

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    cb: (error?: unknown, info?: Partial<Express.Multer.File & StoredUpload>) => void,
  ): void {
    this.storage
      .tmpPath('.upload')
      .then(async (target) => {
        const r = await streamToFile(file.stream, target);
        cb(null, { path: target, size: r.size, sha256: r.sha256, head: r.head });
      })
      .catch((err: unknown) => cb(err));
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void): void {
    fsp.rm(file.path, { force: true }).then(
      () => cb(null),
      (err: Error) => cb(err),
    );
  }
}

/**
 * Multipart upload middleware: files go to storage/tmp (never into memory), at most `maxBytes`
 * each. Multer removes every stored file when it aborts (too large, client gone); handlers
 * remove the ones they do not keep. Multer errors become translated AppErrors.
 */
export function uploadMiddleware(storage: Storage, opts: { field: string; maxFiles: number; maxBytes: number }) {
  const mw = multer({
    storage: new HashingTmpStorage(storage),
    // Browsers send file names as UTF-8 ("Truyện Kiều.pdf"); busboy's default would read latin1.
    defParamCharset: 'utf8',
    // The CSRF token (the form's first field, or the header) is checked before any file is stored.
    fileFilter: multipartCsrf.fileFilter,
    limits: { fileSize: opts.maxBytes, files: opts.maxFiles, fields: 20, fieldSize: 64 * 1024, parts: opts.maxFiles + 20 },
  }).array(opts.field, opts.maxFiles);
  const maxMb = Math.round(opts.maxBytes / 1024 / 1024);
  return (req: Request, res: Response, next: NextFunction) => {
    mw(req, res, (err?: unknown) => {
      if (!err) {
        const bad = checkMultipart(req) ?? multipartCsrf.check(req);
        if (!bad) return next();
        void discard(uploadedFiles(req)).finally(() => next(bad));
        return;
      }
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE')
          return next(
            new AppError(413, 'too_large', 'catalogue.upload.tooLarge', {
              name: (err as { filename?: string }).filename ?? '',
              max: maxMb,
            }),
          );
        if (err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE')
          return next(new AppError(400, 'too_many_files', 'catalogue.upload.tooManyFiles', { max: opts.maxFiles }));
        return next(new AppError(400, 'bad_upload', 'catalogue.upload.badRequest'));
      }
      if (isMalformedMultipart(err)) return next(invalidInput());
      // A full disk while streaming the upload: the librarian is told so, not shown a generic 500.
      if (isDiskFull(err)) return next(diskFull(err));
      next(err);
    });
  };
}

/** The files of a request after uploadMiddleware. */
export function uploadedFiles(req: Request): StoredUpload[] {
  return ((req.files as unknown as StoredUpload[] | undefined) ?? []).map((f) => ({ ...f, originalname: f.originalname }));
}

export async function discard(files: Array<{ path: string }>): Promise<void> {
  await Promise.all(files.map((f) => fsp.rm(f.path, { force: true })));
}

export type Sniffed = 'pdf' | 'zip' | 'jpeg' | 'png' | 'webp' | null;

/** Recognises a file by its first bytes. PDF readers accept the header anywhere in the first 1 KiB. */
export function sniff(head: Buffer): Sniffed {
  if (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 0x03 || head[2] === 0x05) &&
    (head[3] === 0x04 || head[3] === 0x06)
  )
    return 'zip';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 12 && head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'webp';
  // Formats with a fixed signature at byte 0 come first: a ZIP of PDFs contains "%PDF-" early on.
  if (head.length >= 5 && head.subarray(0, HEAD_BYTES).includes('%PDF-')) return 'pdf';
  return null;
}

/** Reads the first bytes of a file on disk (for files that did not come through multer). */
export async function readHead(file: string): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
