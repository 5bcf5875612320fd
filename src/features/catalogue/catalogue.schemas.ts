import { z } from 'zod';
import { normaliseIsbn, splitList, splitTags } from './catalogue-text.ts';

// Messages are i18n keys; parseInput() turns them into field errors next to the inputs.
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'catalogue.validation.tooLong')
    .optional()
    .transform((v) => (v ? v.normalize('NFC') : null));

/** Checkbox lists arrive as a string (one box) or an array (several). */
const idList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().regex(/^\d{1,12}$/, 'error.invalid')).max(50, 'error.invalid'))
  .transform((ids) => [...new Set(ids.map(Number))]);

export const metadataSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'validation.required')
    .max(300, 'catalogue.validation.tooLong')
    .transform((v) => v.normalize('NFC')),
  authors: z
    .string()
    .max(2000, 'catalogue.validation.tooLong')
    .optional()
    .transform((v) =>
      splitList(v?.normalize('NFC'))
        .map((a) => a.slice(0, 200))
        .slice(0, 20),
    ),
  description: z
    .string()
    .trim()
    .max(5000, 'catalogue.validation.tooLong')
    .optional()
    .transform((v) => (v ?? '').normalize('NFC')),
  language: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{2,3}$/, 'catalogue.validation.language'),
  publicationYear: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return null;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1000 || n > new Date().getFullYear() + 1) {
        ctx.addIssue({ code: 'custom', message: 'catalogue.validation.year' });
        return z.NEVER;
      }
      return n;
    }),
  publisher: optionalText(200),
  isbn: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return null;
      const isbn = normaliseIsbn(v);
      if (!isbn) {
        ctx.addIssue({ code: 'custom', message: 'catalogue.validation.isbn' });
        return z.NEVER;
      }
      return isbn;
    }),
  categories: idList,
  tags: z
    .string()
    .max(2000, 'catalogue.validation.tooLong')
    .optional()
    .transform((v) => splitTags(v?.normalize('NFC'))),
});

export const withdrawSchema = z.object({ reason: z.string().trim().max(500, 'catalogue.validation.tooLong').optional() });

export const categorySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'validation.required')
    .max(120, 'catalogue.validation.tooLong')
    .transform((v) => v.normalize('NFC')),
  slug: z.string().trim().max(80, 'catalogue.validation.tooLong').optional(),
  position: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? Number(v) : undefined))
    .pipe(z.number().int('error.invalid').min(0, 'error.invalid').max(1_000_000, 'error.invalid').optional()),
});

export const mergeSchema = z.object({ into: z.coerce.number().int().positive('validation.required') });
export const moveSchema = z.object({ direction: z.enum(['up', 'down'], 'error.invalid') });

export const listQuerySchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  status: z.enum(['draft', 'published', 'withdrawn']).optional().catch(undefined),
  ingest: z.enum(['queued', 'extracting', 'indexed', 'failed']).optional().catch(undefined),
  flag: z.enum(['ocr', 'legacy', 'index_pending']).optional().catch(undefined),
  category: z.coerce.number().int().positive().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
});

export const coverParams = z.object({ width: z.coerce.number().int(), format: z.enum(['webp', 'jpg']) });
