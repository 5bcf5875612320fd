import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../infra/logger.ts';

/**
 * The route pattern (`/doc/:id`), never the URL: a URL carries what readers searched for and read,
 * and sometimes a one-time token (`/dat-mat-khau/:token`). Mounted routers set `baseUrl` while
 * their handler runs; on the error path Express has restored it, and the pattern of a mounted
 * router's route is then shown as `…/:id/publish` (its mount prefix unknown) rather than guessed.
 */
export function routePattern(req: IncomingMessage): string {
  const r = req as Partial<Request>;
  const route = r.route as { path?: unknown } | undefined;
  const path = (r.originalUrl ?? req.url ?? '').split('?')[0];
  if (route && typeof route.path === 'string') {
    const pattern = `${r.baseUrl ?? ''}${route.path}`;
    const segments = (p: string) => p.split('/').filter(Boolean).length;
    return segments(pattern) < segments(path) ? `…${pattern}` : pattern;
  }
  if (path.startsWith('/static/')) return '/static/*';
  return '(unmatched)';
}

function fields(req: IncomingMessage, res: ServerResponse, responseTime: unknown) {
  return { method: req.method, route: routePattern(req), status: res.statusCode, ms: responseTime };
}

/**
 * One line per request: request id, method, route pattern, status and duration — nothing that
 * identifies a person or could be replayed (no cookies in or out, headers, address, URL).
 */
export function requestLog(log: Logger) {
  return pinoHttp({
    logger: log,
    genReqId: (_req, res) => {
      const id = crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Child loggers carry only the request id (`reqId`), not the serialised request.
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    customSuccessObject: (req, res, val: { responseTime?: unknown }) => fields(req, res, val.responseTime),
    customErrorObject: (req, res, err, val: { responseTime?: unknown }) => ({ ...fields(req, res, val.responseTime), err }),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
}
