import type { MessageKey } from './i18n/index.ts';

/** Field name → message key, for re-rendering a form next to the fields that need fixing. */
export type FieldErrors = Record<string, MessageKey>;

/**
 * An error that is safe to show: it carries an HTTP status, a stable machine code for JSON
 * clients and a translated message key for people. Anything else is logged and shown as a 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKey: MessageKey,
    readonly params: Record<string, string | number> = {},
    readonly fields: FieldErrors = {},
    /** Optional: a dedicated page (rendered with `params`) and response headers, e.g. 410 Gone with no-store. */
    readonly page: { view?: string; headers?: Record<string, string> } = {},
    /** The underlying failure (logged by the error handler for 5xx answers). */
    options?: ErrorOptions,
  ) {
    super(code, options);
    this.name = 'AppError';
  }
}

export const notFound = () => new AppError(404, 'not_found', 'error.notFound');
export const forbidden = () => new AppError(403, 'forbidden', 'error.forbidden');
export const unauthorized = () => new AppError(401, 'unauthorized', 'auth.signInRequired');
export const invalid = (fields: FieldErrors, messageKey: MessageKey = 'error.invalid', params: Record<string, string | number> = {}) =>
  new AppError(400, 'invalid', messageKey, params, fields);
export const tooManyRequests = (messageKey: MessageKey, params: Record<string, string | number>) =>
  new AppError(429, 'rate_limited', messageKey, params);
