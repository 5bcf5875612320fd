import { z } from 'zod';
import { invalid, type FieldErrors } from './errors.ts';
import { isMessageKey } from './i18n/index.ts';

/**
 * Validates request input with a zod schema whose messages are i18n keys,
 * throwing one `invalid` error that lists every field to fix.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(fieldErrorsOf(result.error));
}

/** Field → message key; zod's own (English) messages become the generic "not valid". */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_form');
    if (!fields[field]) fields[field] = isMessageKey(issue.message) ? issue.message : 'error.invalid';
  }
  return fields;
}

/** A row id in a URL (`/admin/books/:id`): a positive integer JavaScript and PostgreSQL both hold exactly. */
export const idParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
