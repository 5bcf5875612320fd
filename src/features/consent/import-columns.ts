import type { AppContext } from '../../context.ts';
import { HOLDER_KINDS, type HolderKind, type RightsBasis } from '../../db/schema/consent.ts';
import { translator, type MessageKey } from '../../http/i18n/index.ts';
import type { ManifestCellError } from '../catalogue/ingest/manifest.ts';
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

/**
 * Validates one row's consent cells (messages in Vietnamese, the manifest's language). Every cell
 * is checked whatever the others say — a bad basis does not hide a bad date — and each problem
 * names its column, so the import reports them all in one pass with line and column.
 */
export function parseConsentColumns(row: Record<string, string>): { spec: ConsentImportSpec; errors: ManifestCellError[] } {
  const t = translator('vi');
  const errors: ManifestCellError[] = [];
  const err = (column: string, key: MessageKey, params?: Record<string, string>) => errors.push({ column, message: t(key, params) });
  const cell = (c: string) => (row[c] ?? '').trim();
  if (CONSENT_MANIFEST_COLUMNS.every((c) => !cell(c))) return { spec: null, errors };

  const rawBasis = cell('basis').toLowerCase();
  const basis: RightsBasis | undefined = rawBasis ? BASIS_ALIASES[rawBasis] : cell('rights_holder') ? 'consent' : undefined;
  if (!basis) err('basis', 'consent.import.badBasis', { value: cell('basis') });
  const rawDownload = cell('allow_download').toLowerCase();
  const allowDownload = YES.includes(rawDownload);
  if (!YES.includes(rawDownload) && !NO.includes(rawDownload))
    err('allow_download', 'consent.import.badYesNo', { value: cell('allow_download') });
  const grantedOn = parseDate(cell('consent_date'));
  const endsOn = parseDate(cell('consent_until'));
  if (grantedOn === undefined) err('consent_date', 'consent.import.badDate', { value: cell('consent_date') });
  if (endsOn === undefined) err('consent_until', 'consent.import.badDate', { value: cell('consent_until') });
  const kinds = cell('rights_holder_kind')
    .split(';')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const kindOf = (raw: string): HolderKind | undefined =>
    (HOLDER_KINDS as readonly string[]).includes(raw) ? (raw as HolderKind) : KIND_ALIASES[raw];
  for (const raw of kinds) if (!kindOf(raw)) err('rights_holder_kind', 'consent.import.badKind', { value: raw });

  if (basis === 'public_domain') {
    if (!cell('basis_note')) err('basis_note', 'consent.import.publicDomainNote');
    return { spec: errors.length ? null : { basis, note: cell('basis_note'), allowDownload: rawDownload ? allowDownload : true }, errors };
  }
  if (basis === 'open_licence') {
    if (!cell('licence')) err('licence', 'consent.import.licence');
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
  if (!basis) return { spec: null, errors };

  const names = cell('rights_holder')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) err('rights_holder', 'consent.import.holder');
  if (kinds.length > 1 && kinds.length !== names.length) err('rights_holder_kind', 'consent.import.kindCount');
  const holders = names.map((name, i) => {
    const raw = kinds.length > 1 ? kinds[i] : (kinds[0] ?? 'author');
    return { name: name.slice(0, 200), kind: kindOf(raw ?? '') ?? 'author' };
  });
  if (grantedOn === null) err('consent_date', 'consent.import.consentDate');
  if (grantedOn && endsOn && endsOn < grantedOn) err('consent_until', 'consent.validation.endBeforeStart');
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
    const libraryId = (await ctx.repos.books.findById(bookId, trx))?.library_id;
    if (libraryId === undefined) return; // the draft was deleted meanwhile: nothing to record
    for (const h of spec.holders) {
      const { holder } = await rightsHolders.findOrCreate(h.name, h.kind, libraryId, actor, trx);
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
          // The spreadsheet has no column for it: an imported consent reaches this library only.
          scope: 'library',
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
