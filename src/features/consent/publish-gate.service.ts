import type { Database } from '../../db/database.ts';
import { translator, type Lang, type MessageKey } from '../../http/i18n/index.ts';
import type { Clock } from '../../infra/clock.ts';
import type { PublishDecision, PublishGate, PublishProblem } from '../catalogue/books/publish-gate.ts';
import type { BookRightsRepository } from './book-rights.repository.ts';
import type { ConsentRecordsRepository, ConsentView } from './consent-records.repository.ts';
import type { GateEvaluation, GateProblem } from './consent.types.ts';
import { formatDate, libraryToday } from '../../infra/calendar.ts';

/** Granted and in force on `today` (start ≤ today ≤ end, when there is an end). */
export function isCurrent(c: Pick<ConsentView, 'status' | 'starts_on' | 'ends_on'>, today: string): boolean {
  return c.status === 'granted' && c.starts_on !== null && c.starts_on <= today && (c.ends_on === null || today <= c.ends_on);
}

/** The most telling reason a holder's consent is not in force (a future start beats a pending request…). */
function problemFor(holder: string, role: string, records: ConsentView[], today: string): GateProblem {
  const granted = records.filter((c) => c.status === 'granted');
  const future = granted.find((c) => c.starts_on !== null && c.starts_on > today);
  if (future) return { code: 'holder_not_started', holder, role, date: future.starts_on! };
  const ended = records.find((c) => (c.status === 'granted' || c.status === 'expired') && c.ends_on !== null && c.ends_on < today);
  if (ended) return { code: 'holder_expired', holder, role, date: ended.ends_on! };
  if (records.some((c) => c.status === 'pending')) return { code: 'holder_pending', holder, role };
  if (records.some((c) => c.status === 'revoked')) return { code: 'holder_revoked', holder, role };
  return { code: 'holder_missing', holder, role };
}

/**
 * The publishing rule: every required rights holder has a granted, current consent — or the book
 * has a recorded public-domain or open-licence basis. Download is allowed only if every consent
 * relied upon allows it. The catalogue asks this before publishing; the reader site before offering
 * a download; takedown after a revocation or expiry.
 */
export class ConsentPublishGate implements PublishGate {
  constructor(
    private readonly bookRights: BookRightsRepository,
    private readonly consents: ConsentRecordsRepository,
    private readonly clock: Clock,
  ) {}

  async evaluate(bookId: number, db?: Database): Promise<GateEvaluation> {
    const basisRow = await this.bookRights.getBasis(bookId, db);
    const basis = basisRow?.basis ?? 'consent';
    if (basis === 'public_domain' || basis === 'open_licence') {
      // The table's checks already demand the reason / licence name; this keeps the rule visible here.
      const complete = basis === 'public_domain' ? !!basisRow!.note.trim() : !!basisRow!.licence_name?.trim();
      return {
        allowed: complete,
        allowDownload: complete && basisRow!.allow_download,
        basis,
        problems: complete ? [] : [{ code: 'basis_incomplete', basis }],
      };
    }
    const [holders, records] = await Promise.all([this.bookRights.requiredHolders(bookId, db), this.consents.listForBook(bookId, db)]);
    if (holders.length === 0) return { allowed: false, allowDownload: false, basis, problems: [{ code: 'no_holders' }] };
    const today = libraryToday(this.clock);
    const problems: GateProblem[] = [];
    let allowDownload = true;
    for (const h of holders) {
      const mine = records.filter((c) => c.rights_holder_id === h.rights_holder_id);
      const current = mine.filter((c) => isCurrent(c, today));
      if (current.length === 0) problems.push(problemFor(h.name, h.role, mine, today));
      else if (!current.some((c) => c.allow_download)) allowDownload = false;
    }
    const allowed = problems.length === 0;
    return { allowed, allowDownload: allowed && allowDownload, basis, problems };
  }

  async check(bookId: number, db?: Database): Promise<PublishDecision> {
    const e = await this.evaluate(bookId, db);
    return { allowed: e.allowed, allowDownload: e.allowDownload, problems: e.problems };
  }

  describe(problems: PublishProblem[], lang: Lang): string[] {
    return describeProblems(problems.filter(isGateProblem), lang);
  }
}

const PROBLEM_KEYS: Record<GateProblem['code'], MessageKey> = {
  no_holders: 'consent.gate.noHolders',
  basis_incomplete: 'consent.gate.basisIncomplete',
  holder_missing: 'consent.gate.holderMissing',
  holder_pending: 'consent.gate.holderPending',
  holder_revoked: 'consent.gate.holderRevoked',
  holder_expired: 'consent.gate.holderExpired',
  holder_not_started: 'consent.gate.holderNotStarted',
};

const isGateProblem = (p: PublishProblem): p is GateProblem => p.code in PROBLEM_KEYS;

/** Full sentences naming who is missing, for the publish button and the import summary. */
export function describeProblems(problems: GateProblem[], lang: Lang): string[] {
  const t = translator(lang);
  return problems.map((p) => {
    const params: Record<string, string> = {};
    if ('holder' in p) {
      params.holder = p.holder;
      params.role = t(`consent.role.${p.role}` as MessageKey);
    }
    if ('date' in p) params.date = formatDate(p.date);
    if ('basis' in p) params.basis = t(`consent.basis.${p.basis}` as MessageKey);
    return t(PROBLEM_KEYS[p.code], params);
  });
}
