import { pino, type Logger } from 'pino';

export type { Logger };

/** The one logger: JSON lines to stdout, ready for journald or any log shipper. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'thu-vien-so', ...base },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'password', '*.password'],
      censor: '[redacted]',
    },
  });
}
