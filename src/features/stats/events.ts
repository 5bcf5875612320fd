import type { Request } from 'express';
import type { Selectable } from 'kysely';
import type { StatsEventsTable } from '../../db/schema/stats.ts';

/**
 * The statistics event vocabulary, shared with the reader site. Reader-site code records the
 * `ReaderEvent` kinds through `ctx.services.events.record(event, req)`; scans and visits are
 * recorded by this feature itself (scan endpoint, visit-tracking middleware).
 */
export type ReaderEvent =
  | { kind: 'search'; query: string; resultCount: number }
  | { kind: 'book_open'; bookId: number }
  | { kind: 'pages_read'; bookId: number; pages: number }
  | { kind: 'download'; bookId: number };

export type EventKind = 'scan' | 'visit' | ReaderEvent['kind'];
export const EVENT_KINDS: readonly EventKind[] = ['scan', 'visit', 'search', 'book_open', 'pages_read', 'download'];

/**
 * Where the visitor's session came from: a QR code of an active location, no QR code at all, or
 * the QR code of a location that has been deactivated (counted apart, attributed to no place).
 */
export type Origin = 'qr' | 'direct' | 'inactive';
export type Device = 'phone' | 'tablet' | 'desktop';

/** What `record()` needs from a request. An Express Request fits; scripts can pass a plain object. */
export type EventRequest = Pick<Request, 'headers' | 'ip'> & {
  visit?: { origin: Origin; code: string | null };
  /** The library whose site served the request (req.library); absent: the default library. */
  library?: { id: number };
};

/**
 * An event waiting in memory for the next flush. The IP address and user agent live only here,
 * for at most one flush interval: the flush turns them into the daily visitor hash and a coarse
 * device class, and neither is ever written to the database.
 */
export interface PendingEvent {
  at: Date;
  /** The library of the request; null for scans (the location's library, resolved at flush) and scripts. */
  libraryId: number | null;
  kind: EventKind;
  origin: Origin;
  locationCode: string | null;
  bookId: number | null;
  query: string | null;
  resultCount: number | null;
  pages: number | null;
  isBot: boolean;
  /** A scan that also starts a visit (see StatsEventsTable.starts_visit). */
  startsVisit: boolean;
  ip: string | null;
  userAgent: string | null;
}

/** A row as stored (see migration 0005): the table's columns, less the generated id. */
export type StoredEvent = Omit<Selectable<StatsEventsTable>, 'id'>;
