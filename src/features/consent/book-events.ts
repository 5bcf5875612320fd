import type { Database } from '../../db/database.ts';
import type { BookEvents } from '../catalogue/books/publish-gate.ts';
import type { AuditLog } from './audit.service.ts';
import type { TakedownsRepository } from './takedowns.repository.ts';

type StatusChange = Parameters<BookEvents['onStatusChange']>[0];

/**
 * The catalogue reports every publication-state change here: it goes to the audit log, and a
 * book published again (after a new consent) loses its "taken down" marker, so it stops answering 410.
 */
export class ConsentBookEvents implements BookEvents {
  constructor(
    private readonly audit: AuditLog,
    private readonly takedowns: TakedownsRepository,
  ) {}

  async onStatusChange(change: StatusChange, db?: Database): Promise<void> {
    const actor = await this.audit.actorById(change.actorId);
    await this.audit.record(
      {
        actor,
        entity: 'book',
        entityId: change.bookId,
        bookId: change.bookId,
        action: `book.${change.to}`,
        before: { status: change.from },
        after: { status: change.to },
        reason: change.reason ?? null,
      },
      db,
    );
    if (change.to === 'published' || change.to === 'deleted') await this.takedowns.clear(change.bookId, db);
  }
}
