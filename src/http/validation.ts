import { z } from 'zod';
import { invalid, type FieldErrors } from './errors.ts';
import type { MessageKey } from './i18n/index.ts';

/**
 * Validates request input with a zod schema whose messages are i18n keys,
 * throwing one `invalid` error that lists every field to fix.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    if (!fields[field]) fields[field] = (issue.message.includes('.') ? issue.message : 'error.invalid') as MessageKey;
  }
  throw invalid(fields);
}

/** A row id in a URL (`/admin/books/:id`): a positive integer JavaScript and PostgreSQL both hold exactly. */
export const idParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
