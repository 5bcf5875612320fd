import type { RightsChanged } from './consent.service.ts';
import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../infra/logger.ts';
import { Storage } from '../../infra/storage.ts';
import { AuditRepository } from './audit.repository.ts';
import { AuditLog } from './audit.service.ts';
import { ConsentBookEvents } from './book-events.ts';
import { BookRightsRepository } from './book-rights.repository.ts';
import { ConsentRecordsRepository } from './consent-records.repository.ts';
import { ConsentService } from './consent.service.ts';
import type { PdfCheck } from './evidence.ts';
import { ConsentExpiryService } from './expiry.service.ts';
import { ConsentPublishGate } from './publish-gate.service.ts';
import { ConsentRegisterService } from './register.service.ts';
import { RightsHoldersRepository } from './rights-holders.repository.ts';
import { RightsHoldersService } from './rights-holders.service.ts';
import { RightsStatementService } from './rights-statement.service.ts';
import { TakedownService, type BookWithdrawer } from './takedown.service.ts';
import { TakedownsRepository } from './takedowns.repository.ts';

export interface ConsentServices {
  /** The real publishing rules behind the catalogue's PublishGate interface (books/publish-gate.ts). */
  publishGate: ConsentPublishGate;
  /** Audit log of book status changes (the catalogue's BookEvents interface). */
  bookEvents: ConsentBookEvents;
  consent: ConsentService;
  rightsHolders: RightsHoldersService;
  takedowns: TakedownService;
  /** The reader site's hook names (features/public): 410 for consent takedowns, rights statement. */
  consentWithdrawals: TakedownService;
  rightsStatement: RightsStatementService;
  consentExpiry: ConsentExpiryService;
  consentRegister: ConsentRegisterService;
  audit: AuditLog;
}

/**
 * Builds the consent feature's repositories and services for AppContext. `books` is read lazily:
 * the catalogue's BooksService (which withdraws books) is built in the same context.
 */
export function createConsentServices(deps: {
  db: Database;
  clock: Clock;
  storageDir: string;
  log: Logger;
  jobs: JobsRepository;
  books: () => BookWithdrawer | undefined;
  /** The catalogue's PDF check (worker threads): evidence PDFs are opened like uploaded books. */
  checkPdf: PdfCheck;
  /** The shared catalogue's hook: a book's rights changed, so shelves holding it may change. */
  rightsChanged?: RightsChanged;
}): ConsentServices {
  const { db, clock, log } = deps;
  const storage = new Storage(deps.storageDir);
  const holdersRepo = new RightsHoldersRepository(db);
  const bookRights = new BookRightsRepository(db);
  const records = new ConsentRecordsRepository(db);
  const takedownsRepo = new TakedownsRepository(db);
  const audit = new AuditLog(new AuditRepository(db), clock);
  const publishGate = new ConsentPublishGate(bookRights, records, clock);
  const takedowns = new TakedownService(
    bookRights,
    takedownsRepo,
    publishGate,
    audit,
    deps.jobs,
    clock,
    log.child({ component: 'consent' }),
    deps.books,
  );
  const rightsHolders = new RightsHoldersService(db, holdersRepo, bookRights, records, audit, clock);
  const consent = new ConsentService(
    db,
    records,
    bookRights,
    holdersRepo,
    rightsHolders,
    publishGate,
    takedowns,
    audit,
    storage,
    clock,
    deps.checkPdf,
    deps.rightsChanged,
  );
  return {
    publishGate,
    bookEvents: new ConsentBookEvents(audit, takedownsRepo),
    consent,
    rightsHolders,
    takedowns,
    consentWithdrawals: takedowns,
    rightsStatement: new RightsStatementService(bookRights),
    consentExpiry: new ConsentExpiryService(
      db,
      records,
      bookRights,
      takedowns,
      audit,
      deps.jobs,
      clock,
      log.child({ component: 'consent-expiry' }),
    ),
    consentRegister: new ConsentRegisterService(bookRights, records, clock),
    audit,
  };
}
