import { z } from 'zod';
import { LOCATION_KINDS } from '../../db/schema/locations.ts';
import { QR_SIZES } from './qr.ts';

const text = (max: number) => z.string().trim().max(max, 'locations.validation.tooLong');
const optional = (max: number) => text(max).transform((v) => (v === '' ? null : v));

// Messages are i18n keys; parseInput() turns them into field errors.
export const locationSchema = z.object({
  name: text(120).min(1, 'validation.required'),
  kind: z.enum(LOCATION_KINDS as [string, ...string[]], 'locations.validation.kind').transform((v) => v as (typeof LOCATION_KINDS)[number]),
  address: text(200).default(''),
  ward: text(100).default(''),
  note: optional(1000).default(null),
  contact: optional(200).default(null),
});

export const bookQuery = z
  .union([z.literal(''), z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER)])
  .optional()
  .transform((v) => (v ? v : null));
export const posterQuery = z.object({ size: z.enum(['a4', 'a5']).catch('a4'), book: bookQuery.catch(null) });
/** The poster's place: a location id, or '' / absent for none. */
export const placeQuery = z
  .union([z.literal(''), z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER)])
  .optional()
  .transform((v) => (v ? v : null));
/** `512.png`, `1024.svg`…: one of the offered sizes and formats. */
export const qrFile = z
  .string()
  .regex(/^\d{3,4}\.(png|svg)$/)
  .transform((f) => ({ size: Number(f.split('.')[0]), ext: f.split('.')[1] as 'png' | 'svg' }))
  .refine((f) => (QR_SIZES as readonly number[]).includes(f.size), 'error.invalid');
