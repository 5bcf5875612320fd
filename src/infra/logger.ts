import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Whatever reaches the log about a request is reduced to these fields, at every level and from any
 * code path (pino-http, the error handler, `{ req }` passed by mistake): never headers (cookies,
 * user agent, forwarded addresses), never the URL (query strings carry search terms, paths carry
 * one-time tokens), never the remote address. See README "Privacy".
 */
function safeReq(req: unknown): Record<string, unknown> {
  const r = (req ?? {}) as { id?: unknown; method?: unknown };
  return { id: r.id, method: r.method };
}

function safeRes(res: unknown): Record<string, unknown> {
  const r = (res ?? {}) as { statusCode?: unknown };
  return { statusCode: r.statusCode };
}

/**
 * Redaction as a second line: values under these names are replaced even if a caller logs a raw
 * header object or a session.
 */
const REDACT = [
  'password',
  '*.password',
  'headers',
  '*.headers',
  'cookie',
  '*.cookie',
  'cookies',
  '*.cookies',
  '["set-cookie"]',
  '*["set-cookie"]',
  'authorization',
  '*.authorization',
  '_csrf',
  '*._csrf',
  'token',
  '*.token',
  'ip',
  '*.ip',
  'remoteAddress',
  '*.remoteAddress',
  'userAgent',
  '*.userAgent',
  'query',
  '*.query',
];

/** The one logger: JSON lines to stdout (or `destination`: tests capture it), ready for journald or any log shipper. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'thu-vien-so', ...base },
    serializers: { req: safeReq, res: safeRes },
    redact: { paths: REDACT, remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
