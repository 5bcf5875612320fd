import type { Request, Response } from 'express';
import compressionMiddleware from 'compression';

/**
 * gzip/brotli for text responses (HTML, CSS, JS, JSON, XML): the readers' budget is 30 KB per
 * page over 3G. Never for PDFs or range requests: pdf.js needs exact byte offsets and a
 * Content-Length, and PDFs barely compress anyway.
 */
export function compression() {
  return compressionMiddleware({
    threshold: 1024,
    filter: (req: Request, res: Response) => {
      if (req.headers.range) return false;
      const type = String(res.getHeader('Content-Type') ?? '');
      if (type.startsWith('application/pdf') || type.startsWith('image/')) return false;
      return compressionMiddleware.filter(req, res);
    },
  });
}
