import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/schema/index.ts';
import type { BookStatus } from '../../db/schema/catalogue.ts';
import type {
  ConsentEvidence,
  ConsentMethod,
  ConsentRecord,
  ConsentScope,
  ConsentStatus,
  EvidenceType,
  HolderKind,
} from '../../db/schema/consent.ts';

/** A consent record with the names people need to read it. */
export interface ConsentView extends ConsentRecord {
  holder_name: string;
  holder_kind: HolderKind;
  book_title: string;
  book_status: BookStatus;
  recorded_by_name: string | null;
  revoked_by_name: string | null;
}

export interface NewConsent {
  book_id: number;
  rights_holder_id: number;
  status: 'pending' | 'granted';
  method: ConsentMethod;
  granted_on: string | null;
  starts_on: string | null;
  ends_on: string | null;
  allow_download: boolean;
  non_commercial: boolean;
  scope: ConsentScope;
  territory: string;
  limits_note: string;
  terms: string;
  recorded_by: number | null;
}

// Calendar dates leave the database as 'YYYY-MM-DD' text: no time-zone shifts on the way.
const day = (column: string) => sql<string | null>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;

type From = SelectQueryBuilder<DB & { c: DB['consent_records'] }, 'c', object>;

function withNames(q: From) {
  return q
    .innerJoin('rights_holders as h', 'h.id', 'c.rights_holder_id')
    .innerJoin('books as b', 'b.id', 'c.book_id')
    .leftJoin('users as ur', 'ur.id', 'c.recorded_by')
    .leftJoin('users as uv', 'uv.id', 'c.revoked_by')
    .select([
      'c.id',
      'c.book_id',
      'c.rights_holder_id',
      'c.status',
      'c.method',
      'c.allow_download',
      'c.non_commercial',
      'c.scope',
      'c.territory',
      'c.limits_note',
      'c.terms',
      'c.recorded_by',
      'c.revoked_at',
      'c.revoked_by',
      'c.revoked_reason',
      'c.expired_at',
      'c.created_at',
      'c.updated_at',
      'h.name as holder_name',
      'h.kind as holder_kind',
      'b.title as book_title',
      'b.status as book_status',
      'ur.display_name as recorded_by_name',
      'uv.display_name as revoked_by_name',
      day('c.granted_on').as('granted_on'),
      day('c.starts_on').as('starts_on'),
      day('c.ends_on').as('ends_on'),
    ]);
}

/** Consent records and their evidence files. */
export class ConsentRecordsRepository {
  constructor(private readonly db: Database) {}

  private base(db: Database): From {
    return db.selectFrom('consent_records as c') as unknown as From;
  }

  async insert(values: NewConsent, at: Date, db: Database = this.db): Promise<number> {
    const row = await db
      .insertInto('consent_records')
      .values({ ...values, updated_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  findById(id: number, db: Database = this.db): Promise<ConsentView | undefined> {
    return withNames(this.base(db)).where('c.id', '=', id).executeTakeFirst();
  }

  /** Locks the record for a status change (grant, revoke, expire) so two changes cannot race. */
  async lock(id: number, db: Database): Promise<ConsentStatus | undefined> {
    const row = await db.selectFrom('consent_records').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
    return row?.status;
  }

  listForBook(bookId: number, db: Database = this.db): Promise<ConsentView[]> {
    return withNames(this.base(db)).where('c.book_id', '=', bookId).orderBy('c.id', 'desc').execute();
  }

  listForBooks(bookIds: number[]): Promise<ConsentView[]> {
    if (bookIds.length === 0) return Promise.resolve([]);
    return withNames(this.base(this.db)).where('c.book_id', 'in', bookIds).orderBy('c.book_id').orderBy('c.id').execute();
  }

  listForHolder(holderId: number): Promise<ConsentView[]> {
    return withNames(this.base(this.db)).where('c.rights_holder_id', '=', holderId).orderBy('c.id', 'desc').execute();
  }

  /** Granted consents whose last day is between `from` and `until` (inclusive). */
  expiringBetween(libraryId: number, from: string, until: string): Promise<ConsentView[]> {
    return withNames(this.base(this.db))
      .where('b.library_id', '=', libraryId)
      .where('c.status', '=', 'granted')
      .where('c.ends_on', '>=', sql<string>`${from}::date`)
      .where('c.ends_on', '<=', sql<string>`${until}::date`)
      .orderBy('c.ends_on')
      .orderBy('c.id')
      .execute();
  }

  listByStatus(libraryId: number, status: ConsentStatus, limit: number): Promise<ConsentView[]> {
    return withNames(this.base(this.db))
      .where('b.library_id', '=', libraryId)
      .where('c.status', '=', status)
      .orderBy('c.updated_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** The books of granted consents whose end date has passed (locked by the expiry run before the consents). */
  async bookIdsDueToExpire(today: string, db: Database): Promise<number[]> {
    const rows = await db
      .selectFrom('consent_records')
      .select('book_id')
      .distinct()
      .where('status', '=', 'granted')
      .where('ends_on', '<', sql<string>`${today}::date`)
      .execute();
    return rows.map((r) => r.book_id);
  }

  /** Granted consents whose end date has passed; locked, so two expiry runs never both take them. */
  async lockDueToExpire(today: string, db: Database): Promise<Array<{ id: number; book_id: number; ends_on: string | null }>> {
    return db
      .selectFrom('consent_records')
      .select(['id', 'book_id', day('ends_on').as('ends_on')])
      .where('status', '=', 'granted')
      .where('ends_on', '<', sql<string>`${today}::date`)
      .orderBy('id')
      .forUpdate()
      .skipLocked()
      .execute();
  }

  async grant(
    id: number,
    fields: { granted_on: string; starts_on: string; ends_on: string | null; terms?: string },
    at: Date,
    db: Database,
  ): Promise<void> {
    await db
      .updateTable('consent_records')
      .set({ ...fields, status: 'granted', updated_at: at })
      .where('id', '=', id)
      .execute();
  }

  async revoke(id: number, by: number | null, reason: string, at: Date, db: Database): Promise<void> {
    await db
      .updateTable('consent_records')
      .set({ status: 'revoked', revoked_at: at, revoked_by: by, revoked_reason: reason, updated_at: at })
      .where('id', '=', id)
      .execute();
  }

  async expire(id: number, at: Date, db: Database): Promise<void> {
    await db.updateTable('consent_records').set({ status: 'expired', expired_at: at, updated_at: at }).where('id', '=', id).execute();
  }

  async insertEvidence(
    values: {
      consent_id: number;
      sha256: string;
      storage_key: string;
      mime_type: EvidenceType;
      size_bytes: number;
      original_name: string;
      uploaded_by: number | null;
    },
    db: Database = this.db,
  ): Promise<ConsentEvidence | undefined> {
    return db
      .insertInto('consent_evidence')
      .values(values)
      .onConflict((oc) => oc.columns(['consent_id', 'sha256']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  evidenceFor(consentIds: number[]): Promise<ConsentEvidence[]> {
    if (consentIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('consent_evidence').selectAll().where('consent_id', 'in', consentIds).orderBy('id').execute();
  }

  findEvidence(id: number): Promise<ConsentEvidence | undefined> {
    return this.db.selectFrom('consent_evidence').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
