import type { Database } from '../../../db/database.ts';
import { AppError } from '../../../http/errors.ts';
import { translator, type Lang } from '../../../http/i18n/index.ts';

/**
 * What may be published, and whether readers may download it. The catalogue asks this before
 * publishing; the consent feature provides the real rules (valid consent, public domain or open
 * licence). Keeping it an interface lets the catalogue work, and be tested, without knowing why.
 */

/** Why a book may not be published yet: a code with its data (names, ISO dates, role codes), never a sentence. */
export interface PublishProblem {
  readonly code: string;
  readonly [field: string]: string;
}

export interface PublishDecision {
  allowed: boolean;
  problems: PublishProblem[];
  allowDownload: boolean;
}

export interface PublishGate {
  /** `db`: the caller's transaction, when the answer must hold until it commits (publish). */
  check(bookId: number, db?: Database): Promise<PublishDecision>;
  /** The problems as sentences in the reader's language: for routes and views, which translate. */
  describe(problems: PublishProblem[], lang: Lang): string[];
}

/** Before consent records exist: everything may be published and downloaded. */
export const openPublishGate: PublishGate = {
  check: async () => ({ allowed: true, problems: [], allowDownload: true }),
  describe: () => [],
};

/** Publishing refused by the gate; the route translates `problems` with PublishGate.describe. */
export class PublishBlocked extends AppError {
  constructor(readonly problems: PublishProblem[]) {
    super(409, 'publish_blocked', 'catalogue.publish.blocked', { reasons: '' });
  }
}

/** The message for a refused publication, with the gate's reasons, in `lang` (for routes and the import summary). */
export function publishBlockedText(gate: PublishGate, err: PublishBlocked, lang: Lang): string {
  return translator(lang)('catalogue.publish.blocked', { reasons: gate.describe(err.problems, lang).join(' ') });
}

/** Book state changes, for the audit log (provided by the consent feature). */
export interface BookEvents {
  /** Called inside the transaction (`db`) that changes the status: the audit row commits with it. */
  onStatusChange(
    change: { bookId: number; actorId: number | null; from: string; to: string; reason?: string },
    db: Database,
  ): Promise<void>;
}
