import type { ColumnType, Generated, JSONColumnType, Selectable } from 'kysely';

export const HOLDER_KINDS = ['author', 'heir', 'publisher', 'translator', 'organisation'] as const;
export type HolderKind = (typeof HOLDER_KINDS)[number];
export const BOOK_HOLDER_ROLES = ['author', 'translator', 'publisher', 'heir', 'illustrator', 'other'] as const;
export type BookHolderRole = (typeof BOOK_HOLDER_ROLES)[number];
export const CONSENT_METHODS = ['letter', 'email', 'message', 'in_person', 'other'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];
export const CONSENT_STATUSES = ['pending', 'granted', 'revoked', 'expired'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
/** How far a consent reaches (0015): this library only, every library of the city union, any non-commercial library. */
export const CONSENT_SCOPES = ['library', 'union', 'any_noncommercial'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];
export const RIGHTS_BASES = ['consent', 'public_domain', 'open_licence'] as const;
export type RightsBasis = (typeof RIGHTS_BASES)[number];
export const EVIDENCE_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/**
 * A calendar date column ('YYYY-MM-DD'). Repositories always select these through
 * to_char(), so the value is never shifted by the server's time zone.
 */
type DateColumn = ColumnType<string | null, string | null | undefined, string | null>;

export interface RightsHoldersTable {
  id: Generated<number>;
  name: string;
  kind: HolderKind;
  phone: Generated<string>;
  email: Generated<string>;
  zalo: Generated<string>;
  address: Generated<string>;
  notes: Generated<string>;
  created_by: number | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  // 0014_libraries
  /** Whose consent register the holder belongs to (set once, at creation). */
  library_id: ColumnType<number, number, never>;
}

export interface BookRightsHoldersTable {
  book_id: number;
  rights_holder_id: number;
  role: BookHolderRole;
  created_at: ColumnType<Date, never, never>;
}

export interface BookRightsBasisTable {
  book_id: number;
  basis: RightsBasis;
  note: Generated<string>;
  licence_name: string | null;
  licence_url: string | null;
  allow_download: Generated<boolean>;
  updated_by: number | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ConsentRecordsTable {
  id: Generated<number>;
  book_id: number;
  rights_holder_id: number;
  status: Generated<ConsentStatus>;
  method: ConsentMethod;
  granted_on: DateColumn;
  starts_on: DateColumn;
  ends_on: DateColumn;
  allow_download: Generated<boolean>;
  non_commercial: Generated<boolean>;
  territory: Generated<string>;
  limits_note: Generated<string>;
  terms: Generated<string>;
  recorded_by: number | null;
  revoked_at: Date | null;
  revoked_by: number | null;
  revoked_reason: string | null;
  expired_at: Date | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  // 0015_shared_catalogue
  /** Which libraries may show the book: 'library' keeps it on the owner's shelf only. */
  scope: Generated<ConsentScope>;
}

export interface ConsentEvidenceTable {
  id: Generated<number>;
  consent_id: number;
  sha256: string;
  storage_key: string;
  mime_type: EvidenceType;
  size_bytes: number;
  original_name: string;
  uploaded_by: number | null;
  created_at: ColumnType<Date, never, never>;
}

export interface BookTakedownsTable {
  book_id: number;
  cause: 'revoked' | 'expired';
  consent_id: number | null;
  taken_down_at: Date;
  withdrawn_at: Date | null;
}

type Json = JSONColumnType<Record<string, unknown>, string | null, never> | null;

/** Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE. */
export interface AuditLogTable {
  id: Generated<number>;
  occurred_at: ColumnType<Date, Date, never>;
  actor_id: ColumnType<number | null, number | null, never>;
  actor_name: ColumnType<string | null, string | null, never>;
  entity: ColumnType<string, string, never>;
  entity_id: ColumnType<number | null, number | null, never>;
  book_id: ColumnType<number | null, number | null, never>;
  action: ColumnType<string, string, never>;
  before: Json;
  after: Json;
  reason: ColumnType<string | null, string | null, never>;
  // 0014_libraries
  /** The library the event happened in; null for events of no single library (accounts, the city). */
  library_id: ColumnType<number | null, number | null | undefined, never>;
}

export type RightsHolder = Selectable<RightsHoldersTable>;
export type ConsentRecord = Selectable<ConsentRecordsTable>;
export type ConsentEvidence = Selectable<ConsentEvidenceTable>;
export type BookRightsBasisRow = Selectable<BookRightsBasisTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type BookTakedown = Selectable<BookTakedownsTable>;
