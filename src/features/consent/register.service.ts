import type { Clock } from '../../infra/clock.ts';
import { translator, type Lang, type MessageKey } from '../../http/i18n/index.ts';
import type { RightsBasis } from '../../db/schema/consent.ts';
import type { BookRightsRepository } from './book-rights.repository.ts';
import type { ConsentRecordsRepository, ConsentView } from './consent-records.repository.ts';
import { formatDate, libraryDate, libraryToday } from '../../infra/calendar.ts';
import { toCsv } from '../../http/csv.ts';
import { isCurrent } from './publish-gate.service.ts';

export interface RegisterHolderLine {
  name: string;
  role: string;
  consent: ConsentView | null;
  evidenceCount: number;
}

export interface RegisterEntry {
  bookId: number;
  title: string;
  publishedOn: string | null;
  basis: RightsBasis;
  note: string;
  licenceName: string | null;
  licenceUrl: string | null;
  holders: RegisterHolderLine[];
}

/**
 * The consent register: every published book with its legal basis, its rights holders and the
 * consent in force for each — what a union leader shows an inspector (printable page and CSV).
 */
export class ConsentRegisterService {
  constructor(
    private readonly bookRights: BookRightsRepository,
    private readonly consents: ConsentRecordsRepository,
    private readonly clock: Clock,
  ) {}

  /** The consent register of one library: the books it published and the consents they rest on. */
  async entries(libraryId: number): Promise<{ today: string; entries: RegisterEntry[] }> {
    const today = libraryToday(this.clock);
    const books = await this.bookRights.publishedBooks(libraryId);
    const ids = books.map((b) => b.id);
    const [holders, consents] = await Promise.all([this.bookRights.requiredHoldersOf(ids), this.consents.listForBooks(ids)]);
    const evidence = await this.consents.evidenceFor(consents.map((c) => c.id));
    const evidenceCount = new Map<number, number>();
    for (const e of evidence) evidenceCount.set(e.consent_id, (evidenceCount.get(e.consent_id) ?? 0) + 1);
    const entries = books.map((b): RegisterEntry => {
      const basis = b.basis ?? 'consent';
      const lines =
        basis === 'consent'
          ? holders
              .filter((h) => h.book_id === b.id)
              .map((h) => {
                // The consent relied upon: the current one (latest first), else the latest on record.
                const mine = consents
                  .filter((c) => c.book_id === b.id && c.rights_holder_id === h.rights_holder_id)
                  .sort((x, y) => y.id - x.id);
                const consent = mine.find((c) => isCurrent(c, today)) ?? mine[0] ?? null;
                return { name: h.name, role: h.role, consent, evidenceCount: consent ? (evidenceCount.get(consent.id) ?? 0) : 0 };
              })
          : [];
      return {
        bookId: b.id,
        title: b.title,
        publishedOn: b.published_at ? libraryDate(b.published_at) : null,
        basis,
        note: b.note ?? '',
        licenceName: b.licence_name,
        licenceUrl: b.licence_url,
        holders: lines,
      };
    });
    return { today, entries };
  }

  /** CSV (UTF-8 with BOM so spreadsheet programs show Vietnamese correctly), one line per book and rights holder. */
  async csv(libraryId: number, lang: Lang): Promise<string> {
    const t = translator(lang);
    const { entries } = await this.entries(libraryId);
    const header = [
      'book_id',
      'title',
      'published_on',
      'basis',
      'basis_note',
      'licence',
      'licence_url',
      'rights_holder',
      'role',
      'consent_id',
      'consent_status',
      'method',
      'granted_on',
      'starts_on',
      'ends_on',
      'allow_download',
      'non_commercial',
      'sharing_scope',
      'evidence_files',
    ];
    const rows: string[][] = [];
    for (const e of entries) {
      const base = [
        String(e.bookId),
        e.title,
        formatDate(e.publishedOn),
        t(`consent.basis.${e.basis}` as MessageKey),
        e.note,
        e.licenceName ?? '',
        e.licenceUrl ?? '',
      ];
      if (e.holders.length === 0) rows.push([...base, '', '', '', '', '', '', '', '', '', '', '', '']);
      for (const h of e.holders) {
        const c = h.consent;
        rows.push([
          ...base,
          h.name,
          t(`consent.role.${h.role}` as MessageKey),
          c ? String(c.id) : '',
          c ? t(`consent.status.${c.status}` as MessageKey) : '',
          c ? t(`consent.method.${c.method}` as MessageKey) : '',
          formatDate(c?.granted_on),
          formatDate(c?.starts_on),
          formatDate(c?.ends_on),
          c ? (c.allow_download ? t('consent.yes') : t('consent.no')) : '',
          c ? (c.non_commercial ? t('consent.yes') : t('consent.no')) : '',
          c ? t(`consent.reach.${c.scope}`) : '',
          String(h.evidenceCount),
        ]);
      }
    }
    return toCsv(header, rows);
  }
}
