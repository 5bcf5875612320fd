import { z } from 'zod';
import { BOOK_HOLDER_ROLES, CONSENT_METHODS, CONSENT_SCOPES, HOLDER_KINDS, RIGHTS_BASES } from '../../db/schema/consent.ts';
import { isIsoDate } from '../../infra/calendar.ts';

// Messages are i18n keys; parseInput() turns them into field errors next to the inputs.
const text = (max: number) => z.string().trim().max(max, 'consent.validation.tooLong').default('');
const required = (max: number) => z.string().trim().min(1, 'validation.required').max(max, 'consent.validation.tooLong');
const date = z
  .string()
  .trim()
  .default('')
  .refine((v) => v === '' || isIsoDate(v), 'consent.validation.date')
  .transform((v) => v || null);
/** An HTML checkbox: present ("on", "yes", "1", "true") or absent. */
const checkbox = z
  .preprocess((v) => (Array.isArray(v) ? v.at(-1) : v), z.union([z.string(), z.undefined()]))
  .transform((v) => v !== undefined && ['on', 'yes', '1', 'true'].includes(v.toLowerCase()));
const optionalId = z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : v),
  z.coerce.number().int().positive('error.invalid').optional(),
);

export const holderSchema = z.object({
  name: required(200),
  kind: z.enum(HOLDER_KINDS, 'consent.validation.kind'),
  phone: text(50),
  email: z
    .string()
    .trim()
    .default('')
    .pipe(z.union([z.literal(''), z.email('validation.email')])),
  zalo: text(100),
  address: text(500),
  notes: text(4000),
});
export type HolderInput = z.infer<typeof holderSchema>;

/** Either an existing rights holder, or the name and kind of a new one. */
const holderChoice = {
  rightsHolderId: optionalId,
  newHolderName: text(200),
  newHolderKind: z.union([z.literal(''), z.enum(HOLDER_KINDS, 'consent.validation.kind')]).default(''),
  role: z.enum(BOOK_HOLDER_ROLES, 'consent.validation.role'),
};
const holderChosen = (v: { rightsHolderId?: number; newHolderName: string }) => v.rightsHolderId !== undefined || v.newHolderName !== '';
const holderMissing = { path: ['rightsHolderId'], message: 'consent.validation.holder' };

export const addHolderSchema = z.object(holderChoice).refine(holderChosen, holderMissing);
export type AddHolderInput = z.infer<typeof addHolderSchema>;

export const basisSchema = z
  .object({
    basis: z.enum(RIGHTS_BASES, 'consent.validation.basis'),
    note: text(2000),
    licenceName: text(200),
    licenceUrl: z
      .string()
      .trim()
      .default('')
      .pipe(z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'consent.validation.url' })])),
    allowDownload: checkbox,
  })
  .refine((v) => v.basis !== 'public_domain' || v.note !== '', { path: ['note'], message: 'consent.validation.publicDomainReason' })
  .refine((v) => v.basis !== 'open_licence' || v.licenceName !== '', { path: ['licenceName'], message: 'consent.validation.licenceName' });
export type BasisInput = z.infer<typeof basisSchema>;

const grantDates = {
  grantedOn: date,
  startsOn: date,
  endsOn: date,
};
const endAfterStart = (v: { grantedOn: string | null; startsOn: string | null; endsOn: string | null }) =>
  !v.endsOn || v.endsOn >= (v.startsOn ?? v.grantedOn ?? v.endsOn);
const endBeforeStart = { path: ['endsOn'], message: 'consent.validation.endBeforeStart' };

export const recordConsentSchema = z
  .object({
    ...holderChoice,
    status: z.enum(['pending', 'granted'], 'error.invalid'),
    method: z.enum(CONSENT_METHODS, 'consent.validation.method'),
    ...grantDates,
    allowDownload: checkbox,
    nonCommercial: checkbox,
    // Absent (older forms, the spreadsheet import) = this library only: sharing is never assumed.
    scope: z.enum(CONSENT_SCOPES, 'consent.validation.reach').default('library'),
    territory: text(500),
    limitsNote: text(2000),
    terms: text(20_000),
  })
  .refine(holderChosen, holderMissing)
  .refine((v) => v.status !== 'granted' || v.grantedOn !== null, { path: ['grantedOn'], message: 'consent.validation.grantedOn' })
  .refine((v) => v.status !== 'granted' || v.terms !== '', { path: ['terms'], message: 'consent.validation.terms' })
  .refine(endAfterStart, endBeforeStart);
export type RecordConsentInput = z.infer<typeof recordConsentSchema>;

export const grantSchema = z
  .object({ ...grantDates, terms: text(20_000) })
  .refine((v) => v.grantedOn !== null, { path: ['grantedOn'], message: 'consent.validation.grantedOn' })
  .refine(endAfterStart, endBeforeStart);
export type GrantInput = z.infer<typeof grantSchema>;

export const revokeSchema = z.object({ reason: required(2000) });

export const auditFilterSchema = z.object({
  entity: z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((v) => v || undefined),
  action: z
    .string()
    .trim()
    .max(60)
    .optional()
    .transform((v) => v || undefined),
  // The book picker sends "Title · #12" (or a bare number).
  book: z.preprocess((v) => (typeof v === 'string' ? (/·\s*#(\d+)\s*$/.exec(v)?.[1] ?? v.trim()) : v), optionalId),
  actor: optionalId,
  from: date.optional(),
  until: date.optional(),
  before: optionalId,
});
