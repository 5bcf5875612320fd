import zlib from 'node:zlib';
import type { Request, Response } from 'express';

/** Below this, gzip saves less than the bytes of its own headers and framing. */
const GZIP_MIN_BYTES = 1024;

/**
 * Sends a small JSON reply (a few KB: the search API), gzipped in one synchronous call when the
 * client accepts it. The compression middleware streams through zlib on the thread pool, which costs
 * more event-loop turns than compressing 3 KB takes (~0.1 ms); on /api/search that was ~1 ms of the
 * 1.5× budget (issue 12). Routes using it are mounted before that middleware. No ETag: these
 * replies are not cached (Cache-Control: no-store), so hashing them would be wasted work.
 */
export function sendJson(req: Request, res: Response, value: unknown): void {
  let body = Buffer.from(JSON.stringify(value), 'utf8');
  res.vary('Accept-Encoding');
  if (body.length >= GZIP_MIN_BYTES && req.acceptsEncodings('gzip', 'identity') === 'gzip') {
    body = zlib.gzipSync(body);
    res.setHeader('Content-Encoding', 'gzip');
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}
