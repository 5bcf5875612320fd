import type { Database } from '../../db/database.ts';
import type { ConsentEvidence } from '../../db/schema/consent.ts';
import { AppError, invalid, notFound } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Storage } from '../../infra/storage.ts';
import type { AuditLog } from './audit.service.ts';
import type { BookRightsRepository } from './book-rights.repository.ts';
import type { ConsentRecordsRepository, ConsentView } from './consent-records.repository.ts';
import type { BasisInput, GrantInput, RecordConsentInput } from './consent.schemas.ts';
import type { MaybeActor } from './consent.types.ts';
import { addDays, libraryToday } from '../../infra/calendar.ts';
import { EvidenceRejected, storeEvidence, validateEvidence, type PdfCheck } from './evidence.ts';
import { isCurrent, type ConsentPublishGate } from './publish-gate.service.ts';
import { kindForRole, type RightsHoldersService } from './rights-holders.service.ts';
import type { RightsHoldersRepository } from './rights-holders.repository.ts';
import type { TakedownService } from './takedown.service.ts';

/** An uploaded file waiting in storage/tmp. */
export interface UploadedEvidence {
  path: string;
  originalName: string;
}

/** Told, inside the transaction, that a book's rights changed (the shared catalogue re-indexes shelved books). */
export type RightsChanged = (bookId: number, trx: Database) => Promise<void>;

/** What the audit log keeps of a consent record (before/after). */
export function consentSnapshot(c: ConsentView): Record<string, unknown> {
  return {
    status: c.status,
    holder: c.holder_name,
    method: c.method,
    grantedOn: c.granted_on,
    startsOn: c.starts_on,
    endsOn: c.ends_on,
    allowDownload: c.allow_download,
    nonCommercial: c.non_commercial,
    scope: c.scope,
    territory: c.territory,
    limitsNote: c.limits_note,
    terms: c.terms,
    ...(c.revoked_reason ? { revokedReason: c.revoked_reason } : {}),
  };
}

export const EXPIRY_WARNING_DAYS = 30;

/** Consent records: recording, granting, revoking (which takes the book down), evidence, and the book's basis. */
export class ConsentService {
  constructor(
    private readonly db: Database,
    private readonly consents: ConsentRecordsRepository,
    private readonly bookRights: BookRightsRepository,
    private readonly holdersRepo: RightsHoldersRepository,
    private readonly holders: RightsHoldersService,
    private readonly gate: ConsentPublishGate,
    private readonly takedowns: TakedownService,
    private readonly audit: AuditLog,
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly checkPdf: PdfCheck,
    /** A book's rights changed (a consent recorded or granted, its basis set): other libraries' shelves may change. */
    private readonly rightsChanged: RightsChanged = async () => undefined,
  ) {}

  /** Everything the book's rights page shows. */
  async bookOverview(bookId: number) {
    const book = await this.bookRights.findBook(bookId);
    if (!book) throw notFound();
    const [basis, required, consents, evaluation] = await Promise.all([
      this.bookRights.getBasis(bookId),
      this.bookRights.requiredHolders(bookId),
      this.consents.listForBook(bookId),
      this.gate.evaluate(bookId),
    ]);
    const evidence = await this.consents.evidenceFor(consents.map((c) => c.id));
    const today = libraryToday(this.clock);
    const holders = required.map((h) => ({ ...h, consents: consents.filter((c) => c.rights_holder_id === h.rights_holder_id) }));
    return {
      book,
      basis,
      holders,
      consents,
      evidence: groupEvidence(evidence),
      evaluation,
      today,
      isCurrent: (c: ConsentView) => isCurrent(c, today),
    };
  }

  async get(consentId: number) {
    const consent = await this.consents.findById(consentId);
    if (!consent) throw notFound();
    const evidence = await this.consents.evidenceFor([consentId]);
    return { consent, evidence };
  }

  /** Records a consent (pending or already granted) with its evidence files, in one transaction. */
  async record(bookId: number, input: RecordConsentInput, files: UploadedEvidence[], actor: MaybeActor, db?: Database): Promise<number> {
    const stored = await this.storeFiles(files);
    const run = async (trx: Database) => {
      const book = await this.bookRights.findBook(bookId, trx);
      if (!book) throw notFound();
      const holderId = await this.resolveHolder(input, book.library_id, actor, trx);
      const holder = (await this.holdersRepo.findById(holderId, trx))!;
      const role = input.role;
      if (await this.bookRights.ensureHolder(bookId, holderId, role, trx)) {
        await this.audit.record(
          {
            actor,
            entity: 'book_rights',
            entityId: bookId,
            bookId,
            action: 'book_rights.holder_added',
            after: { holderId, holder: holder.name, role },
          },
          trx,
        );
      }
      const granted = input.status === 'granted';
      const id = await this.consents.insert(
        {
          book_id: bookId,
          rights_holder_id: holderId,
          status: input.status,
          method: input.method,
          granted_on: granted ? input.grantedOn : null,
          starts_on: granted ? (input.startsOn ?? input.grantedOn) : input.startsOn,
          ends_on: input.endsOn,
          allow_download: input.allowDownload,
          non_commercial: input.nonCommercial,
          scope: input.scope,
          territory: input.territory,
          limits_note: input.limitsNote,
          terms: input.terms,
          recorded_by: actor?.id ?? null,
        },
        this.clock.now(),
        trx,
      );
      const created = (await this.consents.findById(id, trx))!;
      await this.audit.record(
        { actor, entity: 'consent', entityId: id, bookId, action: 'consent.created', after: consentSnapshot(created) },
        trx,
      );
      await this.attachEvidence(id, bookId, stored, actor, trx);
      await this.rightsChanged(bookId, trx);
      return id;
    };
    return db ? run(db) : this.db.transaction().execute(run);
  }

  /** pending → granted. */
  async grant(consentId: number, input: GrantInput, actor: MaybeActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const status = await this.consents.lock(consentId, trx);
      if (!status) throw notFound();
      if (status !== 'pending') throw new AppError(409, 'consent_not_pending', 'consent.error.notPending');
      const before = (await this.consents.findById(consentId, trx))!;
      if (!input.terms && !before.terms) throw invalid({ terms: 'consent.validation.terms' });
      const dates = { granted_on: input.grantedOn!, starts_on: input.startsOn ?? input.grantedOn!, ends_on: input.endsOn };
      await this.consents.grant(consentId, { ...dates, ...(input.terms ? { terms: input.terms } : {}) }, this.clock.now(), trx);
      const after = (await this.consents.findById(consentId, trx))!;
      await this.audit.record(
        {
          actor,
          entity: 'consent',
          entityId: consentId,
          bookId: before.book_id,
          action: 'consent.granted',
          before: consentSnapshot(before),
          after: consentSnapshot(after),
        },
        trx,
      );
      await this.rightsChanged(before.book_id, trx);
    });
  }

  /**
   * granted|pending → revoked, recording who, when and why. If the book is published and no longer
   * has a valid basis, it is taken down at once (after commit); a backup job queued in the same
   * transaction finishes the takedown if this process stops first.
   */
  async revoke(consentId: number, reason: string, actor: MaybeActor) {
    const bookId = await this.db.transaction().execute(async (trx) => {
      // The book row first (a consent never changes book), then the consent: a publish holds the
      // same book lock while it asks the gate, so it either sees this revocation or finishes first
      // and is then taken down below.
      const target = await this.consents.findById(consentId, trx);
      if (!target) throw notFound();
      await this.bookRights.lockBook(target.book_id, trx);
      const status = await this.consents.lock(consentId, trx);
      if (!status) throw notFound();
      if (status !== 'granted' && status !== 'pending') throw new AppError(409, 'consent_not_active', 'consent.error.notActive');
      const before = (await this.consents.findById(consentId, trx))!;
      await this.consents.revoke(consentId, actor?.id ?? null, reason, this.clock.now(), trx);
      const after = (await this.consents.findById(consentId, trx))!;
      await this.audit.record(
        {
          actor,
          entity: 'consent',
          entityId: consentId,
          bookId: before.book_id,
          action: 'consent.revoked',
          before: consentSnapshot(before),
          after: consentSnapshot(after),
          reason,
        },
        trx,
      );
      // Queued even for a draft: a publish racing with this revocation is caught by the job's re-check.
      await this.takedowns.enqueueBackup(before.book_id, 'revoked', consentId, actor?.id ?? null, trx);
      return before.book_id;
    });
    const takedown = await this.takedowns.enforceNow(bookId, 'revoked', consentId, actor);
    return { bookId, takedown };
  }

  async addEvidence(consentId: number, files: UploadedEvidence[], actor: MaybeActor): Promise<void> {
    if (files.length === 0) throw invalid({ evidence: 'consent.evidence.noneChosen' }, 'consent.evidence.noneChosen');
    const consent = await this.consents.findById(consentId);
    if (!consent) throw notFound();
    const stored = await this.storeFiles(files);
    await this.db.transaction().execute((trx) => this.attachEvidence(consentId, consent.book_id, stored, actor, trx));
  }

  async evidenceFile(evidenceId: number): Promise<{ evidence: ConsentEvidence; path: string }> {
    const evidence = await this.consents.findEvidence(evidenceId);
    if (!evidence) throw notFound();
    return { evidence, path: this.storage.path('evidence', evidence.storage_key) };
  }

  /**
   * Public domain / open licence / back to consent. A published book may not be left without a
   * valid basis by this change: withdraw it first (that is a deliberate act, with its own audit entry).
   */
  async setBasis(bookId: number, input: BasisInput, actor: MaybeActor, db?: Database): Promise<void> {
    const run = async (trx: Database) => {
      const book = await this.bookRights.lockBook(bookId, trx);
      if (!book) throw notFound();
      const before = await this.bookRights.getBasis(bookId, trx);
      const fields = {
        basis: input.basis,
        note: input.note,
        licence_name: input.basis === 'open_licence' ? input.licenceName : null,
        licence_url: input.basis === 'open_licence' ? input.licenceUrl || null : null,
        allow_download: input.basis === 'consent' ? true : input.allowDownload,
      };
      await this.bookRights.upsertBasis(bookId, fields, actor?.id ?? null, this.clock.now(), trx);
      if (book.status === 'published' && !(await this.gate.evaluate(bookId, trx)).allowed)
        throw invalid({ basis: 'consent.basis.wouldUnpublish' }, 'consent.basis.wouldUnpublish');
      const snap = (b: typeof fields | undefined) =>
        b
          ? { basis: b.basis, note: b.note, licenceName: b.licence_name, licenceUrl: b.licence_url, allowDownload: b.allow_download }
          : { basis: 'consent' };
      await this.audit.record(
        {
          actor,
          entity: 'book_rights',
          entityId: bookId,
          bookId,
          action: 'book_rights.basis_set',
          before: snap(before),
          after: snap(fields),
        },
        trx,
      );
      await this.rightsChanged(bookId, trx);
    };
    return db ? run(db) : this.db.transaction().execute(run);
  }

  /** Granted consents ending within the next `days` days (the librarians' dashboard). */
  expiringSoon(libraryId: number, days = EXPIRY_WARNING_DAYS) {
    const today = libraryToday(this.clock);
    return this.consents.expiringBetween(libraryId, today, addDays(today, days));
  }

  today(): string {
    return libraryToday(this.clock);
  }

  pending(libraryId: number, limit = 50) {
    return this.consents.listByStatus(libraryId, 'pending', limit);
  }

  /** Whether readers may download this book's PDF (otherwise: read online only). */
  async downloadAllowed(bookId: number): Promise<boolean> {
    return (await this.gate.evaluate(bookId)).allowDownload;
  }

  private async resolveHolder(input: RecordConsentInput, libraryId: number, actor: MaybeActor, trx: Database): Promise<number> {
    if (input.rightsHolderId !== undefined) {
      // Only a holder of this library's register (the book's owner library).
      const holder = await this.holdersRepo.findById(input.rightsHolderId, trx);
      if (!holder || holder.library_id !== libraryId) throw invalid({ rightsHolderId: 'consent.validation.holder' });
      return input.rightsHolderId;
    }
    const kind = input.newHolderKind || kindForRole(input.role);
    return (
      await this.holders.create(
        { name: input.newHolderName, kind, phone: '', email: '', zalo: '', address: '', notes: '' },
        libraryId,
        actor,
        trx,
      )
    ).id;
  }

  /** Validates every file before storing any, so a bad file rejects the whole submission. */
  private async storeFiles(
    files: UploadedEvidence[],
  ): Promise<Array<UploadedEvidence & { key: string; v: Awaited<ReturnType<typeof validateEvidence>> }>> {
    const checked = [];
    for (const f of files) {
      try {
        checked.push({ ...f, v: await validateEvidence(f.path, this.checkPdf) });
      } catch (err) {
        if (err instanceof EvidenceRejected) throw invalid({ evidence: err.messageKey }, err.messageKey, { name: f.originalName });
        throw err;
      }
    }
    const out = [];
    for (const f of checked) out.push({ ...f, key: await storeEvidence(this.storage, f.path, f.v) });
    return out;
  }

  private async attachEvidence(
    consentId: number,
    bookId: number,
    stored: Array<{ originalName: string; key: string; v: Awaited<ReturnType<typeof validateEvidence>> }>,
    actor: MaybeActor,
    trx: Database,
  ) {
    for (const f of stored) {
      const row = await this.consents.insertEvidence(
        {
          consent_id: consentId,
          sha256: f.v.sha256,
          storage_key: f.key,
          mime_type: f.v.mimeType,
          size_bytes: f.v.sizeBytes,
          original_name: f.originalName.slice(0, 255),
          uploaded_by: actor?.id ?? null,
        },
        trx,
      );
      if (row) {
        await this.audit.record(
          {
            actor,
            entity: 'evidence',
            entityId: row.id,
            bookId,
            action: 'evidence.added',
            after: { consentId, file: row.original_name, type: row.mime_type, sha256: row.sha256, bytes: row.size_bytes },
          },
          trx,
        );
      }
    }
  }
}

function groupEvidence(rows: ConsentEvidence[]): Map<number, ConsentEvidence[]> {
  const map = new Map<number, ConsentEvidence[]>();
  for (const r of rows) map.set(r.consent_id, [...(map.get(r.consent_id) ?? []), r]);
  return map;
}
