import type { Database } from '../../db/database.ts';
import type { AuditEntry } from '../../db/schema/consent.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditFilter, AuditRepository } from './audit.repository.ts';
import type { MaybeActor } from './consent.types.ts';

export type AuditEntity = 'book' | 'consent' | 'rights_holder' | 'book_rights' | 'evidence' | 'library_shelf';

export interface AuditInput {
  actor: MaybeActor;
  entity: AuditEntity;
  entityId: number | null;
  bookId: number | null;
  action: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  reason?: string | null;
  /** The library it happened in, when one library acted on a book it does not own (shelving). */
  libraryId?: number | null;
}

/**
 * Who changed what, when, from what to what. Written inside the same transaction as the change
 * (pass `db`), so a change without its audit entry cannot be committed.
 */
export class AuditLog {
  constructor(
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
  ) {}

  async record(input: AuditInput, db?: Database): Promise<void> {
    await this.repo.insert(
      {
        occurred_at: this.clock.now(),
        actor_id: input.actor?.id ?? null,
        actor_name: input.actor?.display_name ?? null,
        entity: input.entity,
        entity_id: input.entityId,
        book_id: input.bookId,
        action: input.action,
        before: input.before ?? null,
        after: input.after ?? null,
        reason: input.reason ?? null,
        ...(input.libraryId !== undefined ? { library_id: input.libraryId } : {}),
      },
      db,
    );
  }

  /** For callers that only know an account id (the catalogue's book events). */
  async actorById(id: number | null): Promise<MaybeActor> {
    if (id === null) return null;
    return { id, display_name: (await this.repo.actorName(id)) ?? `#${id}` };
  }

  list(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.repo.list(filter);
  }

  facets() {
    return this.repo.facets();
  }
}
