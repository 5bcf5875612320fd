import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import type { AppContext } from '../../context.ts';
import { multipartCsrf } from '../../http/csrf.ts';
import { checkMultipart, invalidInput, isMalformedMultipart } from '../../http/edge-hygiene.ts';
import { diskFull, isDiskFull } from '../../http/fault-errors.ts';
import { invalid } from '../../http/errors.ts';
import { EVIDENCE_MAX_BYTES, EVIDENCE_MAX_FILES } from './evidence.ts';

/**
 * Multipart parsing for forms that carry evidence files (field `evidence`, several allowed).
 * Files stream to storage/tmp, never into memory; the size limit stops a too-large upload early.
 * The CSRF token is the form's first field (or the x-csrf-token header), checked before any file is stored.
 */
export function evidenceUpload(ctx: AppContext) {
  const tmpDir = path.join(ctx.storage.root, 'tmp');
  const upload = multer({
    storage: multer.diskStorage({
      destination: (_req, _file, cb) => {
        fs.mkdir(tmpDir, { recursive: true }).then(
          () => cb(null, tmpDir),
          (err: Error) => cb(err, tmpDir),
        );
      },
      filename: (_req, _file, cb) => cb(null, `${Date.now()}-${crypto.randomBytes(8).toString('hex')}.evidence`),
    }),
    // Vietnamese file names ("Thư đồng ý.pdf") arrive as UTF-8 without a charset parameter.
    defParamCharset: 'utf8',
    fileFilter: multipartCsrf.fileFilter,
    limits: { fileSize: EVIDENCE_MAX_BYTES, files: EVIDENCE_MAX_FILES, fields: 40, fieldSize: 64 * 1024, parts: 60 },
  }).array('evidence', EVIDENCE_MAX_FILES);

  return (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (err: unknown) => {
      if (!err) {
        const bad = checkMultipart(req) ?? multipartCsrf.check(req);
        if (!bad) return next();
        void removeUploads(req).finally(() => next(bad));
        return;
      }
      void removeUploads(req).finally(() => {
        if (err instanceof multer.MulterError) {
          const key =
            err.code === 'LIMIT_FILE_SIZE'
              ? 'consent.evidence.tooLarge'
              : err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE'
                ? 'consent.evidence.tooMany'
                : 'error.invalid';
          next(invalid({ evidence: key }, key));
        } else if (isMalformedMultipart(err)) next(invalidInput());
        else if (isDiskFull(err)) next(diskFull(err));
        else next(err);
      });
    });
  };
}

export function uploadedFiles(req: Request): Express.Multer.File[] {
  return Array.isArray(req.files) ? req.files : [];
}

/** Temporary upload files are removed once the request is handled, whatever happened. */
export async function removeUploads(req: Request): Promise<void> {
  await Promise.all(uploadedFiles(req).map((f) => fs.rm(f.path, { force: true })));
}
