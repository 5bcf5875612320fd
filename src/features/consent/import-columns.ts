import type { AppContext } from '../../context.ts';
import { HOLDER_KINDS, type HolderKind, type RightsBasis } from '../../db/schema/consent.ts';
import { translator, type MessageKey } from '../../http/i18n/index.ts';
import type { MaybeActor } from './consent.types.ts';
import { isIsoDate } from '../../infra/calendar.ts';
import { defaultRole } from './rights-holders.service.ts';

/**
 * The consent columns of the catalogue's import manifest (books.csv), plugged in through the
 * catalogue's ManifestExtension hook (see catalogue/manifest.ts):
 *   basis          consent | public-domain | open-licence   (empty: consent when rights_holder is given)
 *   basis_note     why it is public domain (required then); for consent, the wording agreed
 *   licence        open licence name or URL (required for open-licence)
 *   rights_holder  name(s), ";"-separated; created if new (matched by name, case-insensitive)
 *   rights_holder_kind  author|heir|publisher|translator|organisation (";"-separated, or one for all)
 *   consent_date, consent_until   YYYY-MM-DD or DD/MM/YYYY
 *   allow_download yes | no (default no)
 */
export const CONSENT_MANIFEST_COLUMNS = [
  'basis',
  'basis_note',
  'licence',
  'rights_holder',
  'rights_holder_kind',
  'consent_date',
  'consent_until',
  'allow_download',
];

export type ConsentImportSpec =
  | {
      basis: 'consent';
      holders: Array<{ name: string; kind: HolderKind }>;
      grantedOn: string;
      endsOn: string | null;
      allowDownload: boolean;
      terms: string;
    }
  | { basis: 'public_domain'; note: string; allowDownload: boolean }
  | { basis: 'open_licence'; licenceName: string; licenceUrl: string | null; note: string; allowDownload: boolean }
  | null;

const BASIS_ALIASES: Record<string, RightsBasis> = {
  consent: 'consent',
  'đồng ý': 'consent',
  'public-domain': 'public_domain',
  public_domain: 'public_domain',
  'public domain': 'public_domain',
  'công cộng': 'public_domain',
  'open-licence': 'open_licence',
  open_licence: 'open_licence',
  'open-license': 'open_licence',
  'open licence': 'open_licence',
  'giấy phép mở': 'open_licence',
};
const KIND_ALIASES: Record<string, HolderKind> = {
  'tác giả': 'author',
  'người thừa kế': 'heir',
  'nhà xuất bản': 'publisher',
  nxb: 'publisher',
  'dịch giả': 'translator',
  'tổ chức': 'organisation',
  organization: 'organisation',
};
const YES = ['yes', 'y', 'có', 'co', '1', 'true'];
const NO = ['no', 'n', 'không', 'khong', '0', 'false', ''];

/** 'YYYY-MM-DD' from 'YYYY-MM-DD' or 'DD/MM/YYYY'; null when empty; undefined when invalid. */
function parseDate(value: string): string | null | undefined {
  const v = value.trim();
  if (!v) return null;
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  const iso = dmy ? `${dmy[3]}-${dmy[2].padStart(2, '0')}-${dmy[1].padStart(2, '0')}` : v;
  return isIsoDate(iso) ? iso : undefined;
}

/** Common Creative Commons URLs get their usual short name ("CC BY-SA 4.0"). */
function licenceFrom(value: string): { name: string; url: string | null } {
  if (!/^https?:\/\//i.test(value)) return { name: value, url: null };
  const cc = /creativecommons\.org\/(?:licenses|licences)\/([a-z-]+)\/(\d\.\d)/i.exec(value);
  if (cc) return { name: `CC ${cc[1].toUpperCase()} ${cc[2]}`, url: value };
  if (/creativecommons\.org\/publicdomain\/zero/i.test(value)) return { name: 'CC0 1.0', url: value };
  return { name: value, url: value };
}

/** Validates one row's consent cells (messages in Vietnamese, the manifest's language). */
export function parseConsentColumns(row: Record<string, string>): { spec: ConsentImportSpec; errors: string[] } {
  const t = translator('vi');
  const errors: string[] = [];
  const err = (key: MessageKey, params?: Record<string, string>) => errors.push(t(key, params));
  const cell = (c: string) => (row[c] ?? '').trim();
  if (CONSENT_MANIFEST_COLUMNS.every((c) => !cell(c))) return { spec: null, errors };

  const rawBasis = cell('basis').toLowerCase();
  const basis: RightsBasis | undefined = rawBasis ? BASIS_ALIASES[rawBasis] : cell('rights_holder') ? 'consent' : undefined;
  if (!basis) {
    err('consent.import.badBasis', { value: cell('basis') });
    return { spec: null, errors };
  }
  const rawDownload = cell('allow_download').toLowerCase();
  const allowDownload = YES.includes(rawDownload);
  if (!YES.includes(rawDownload) && !NO.includes(rawDownload)) err('consent.import.badYesNo', { value: cell('allow_download') });

  if (basis === 'public_domain') {
    if (!cell('basis_note')) err('consent.import.publicDomainNote');
    return { spec: errors.length ? null : { basis, note: cell('basis_note'), allowDownload: rawDownload ? allowDownload : true }, errors };
  }
  if (basis === 'open_licence') {
    if (!cell('licence')) err('consent.import.licence');
    const licence = licenceFrom(cell('licence'));
    return {
      spec: errors.length
        ? null
        : {
            basis,
            licenceName: licence.name,
            licenceUrl: licence.url,
            note: cell('basis_note'),
            allowDownload: rawDownload ? allowDownload : true,
          },
      errors,
    };
  }

  const names = cell('rights_holder')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) err('consent.import.holder');
  const kinds = cell('rights_holder_kind')
    .split(';')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (kinds.length > 1 && kinds.length !== names.length) err('consent.import.kindCount');
  const holders = names.map((name, i) => {
    const raw = kinds.length > 1 ? kinds[i] : (kinds[0] ?? 'author');
    const kind = (HOLDER_KINDS as readonly string[]).includes(raw ?? '') ? (raw as HolderKind) : KIND_ALIASES[raw ?? ''];
    if (!kind) err('consent.import.badKind', { value: raw ?? '' });
    return { name: name.slice(0, 200), kind: kind ?? 'author' };
  });
  const grantedOn = parseDate(cell('consent_date'));
  const endsOn = parseDate(cell('consent_until'));
  if (grantedOn === undefined) err('consent.import.badDate', { value: cell('consent_date') });
  else if (grantedOn === null) err('consent.import.consentDate');
  if (endsOn === undefined) err('consent.import.badDate', { value: cell('consent_until') });
  if (grantedOn && endsOn && endsOn < grantedOn) err('consent.validation.endBeforeStart');
  if (errors.length) return { spec: null, errors };
  return { spec: { basis, holders, grantedOn: grantedOn!, endsOn: endsOn ?? null, allowDownload, terms: cell('basis_note') }, errors };
}

/**
 * Records what a row says, in one transaction, after the draft book exists and before the
 * import publishes (publishing then asks the gate, which names anything still missing).
 */
export async function applyConsentColumns(ctx: AppContext, bookId: number, spec: ConsentImportSpec, actor: MaybeActor): Promise<void> {
  if (!spec) return;
  const { consent, rightsHolders } = ctx.services;
  await ctx.db.transaction().execute(async (trx) => {
    if (spec.basis !== 'consent') {
      await consent.setBasis(
        bookId,
        {
          basis: spec.basis,
          note: spec.note,
          licenceName: spec.basis === 'open_licence' ? spec.licenceName : '',
          licenceUrl: spec.basis === 'open_licence' ? (spec.licenceUrl ?? '') : '',
          allowDownload: spec.allowDownload,
        },
        actor,
        trx,
      );
      return;
    }
    for (const h of spec.holders) {
      const { holder } = await rightsHolders.findOrCreate(h.name, h.kind, actor, trx);
      const role = defaultRole(holder.kind);
      await consent.record(
        bookId,
        {
          rightsHolderId: holder.id,
          newHolderName: '',
          newHolderKind: '',
          role,
          status: 'granted',
          method: 'other',
          grantedOn: spec.grantedOn,
          startsOn: spec.grantedOn,
          endsOn: spec.endsOn,
          allowDownload: spec.allowDownload,
          nonCommercial: true,
          territory: '',
          limitsNote: '',
          terms: spec.terms,
        },
        [],
        actor,
        trx,
      );
    }
  });
}

/** The catalogue's ManifestExtension (catalogue/manifest.ts), registered in context.ts. */
export const consentManifestExtension = {
  columns: CONSENT_MANIFEST_COLUMNS,
  parse: parseConsentColumns,
  apply: async (ctx: AppContext, bookId: number, spec: unknown, actor: { id: number } | null) =>
    applyConsentColumns(ctx, bookId, spec as ConsentImportSpec, await ctx.services.audit.actorById(actor?.id ?? null)),
};
