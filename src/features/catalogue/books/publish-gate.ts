import type { Database } from '../../../db/database.ts';

/**
 * What may be published, and whether readers may download it. The catalogue asks this before
 * publishing; the consent feature provides the real rules (valid consent, public domain or open
 * licence). Keeping it an interface lets the catalogue work, and be tested, without knowing why.
 */
export interface PublishDecision {
  allowed: boolean;
  /** Human-readable reasons (already translated) why publishing is not allowed yet. */
  reasons: string[];
  allowDownload: boolean;
}

export interface PublishGate {
  /** `db`: the caller's transaction, when the answer must hold until it commits (publish). */
  check(bookId: number, lang?: 'vi' | 'en', db?: Database): Promise<PublishDecision>;
}

/** Before consent records exist: everything may be published and downloaded. */
export const openPublishGate: PublishGate = {
  check: async () => ({ allowed: true, reasons: [], allowDownload: true }),
};

/** Book state changes, for the audit log (provided by the consent feature). */
export interface BookEvents {
  /** Called inside the transaction (`db`) that changes the status: the audit row commits with it. */
  onStatusChange(
    change: { bookId: number; actorId: number | null; from: string; to: string; reason?: string },
    db: Database,
  ): Promise<void>;
}
