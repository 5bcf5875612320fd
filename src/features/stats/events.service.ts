import { isDatabaseUnavailable } from '../../infra/faults.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { DailySalts } from './daily-salts.ts';
import type { EventKind, EventRequest, Origin, PendingEvent, ReaderEvent, StoredEvent } from './events.ts';
import type { EventsRepository } from './events.repository.ts';
import { libraryDate } from '../../infra/calendar.ts';
import { deviceClass, isBot, normaliseQuery, visitorHash } from './visitor.ts';
import { readVisitCookie } from './visit-cookie.ts';

export interface EventsOptions {
  /** How often the buffer is written. Also the loss window on `kill -9`: at most this much of events. */
  flushMs: number;
  /** A batch this large is written at once instead of waiting for the timer. */
  maxBatch: number;
  /** While the database is unreachable the buffer grows up to this; beyond, the oldest are dropped (and logged). */
  maxBuffered: number;
  /** Delay before the rollup job picks up newly written events (lets it batch work). */
  rollupDelayMs: number;
  /** Sees every event handed to record(), before it is checked (tests of the features that send them). */
  onRecord?: (event: ReaderEvent) => void;
}

export const DEFAULT_EVENTS_OPTIONS: EventsOptions = { flushMs: 1000, maxBatch: 2000, maxBuffered: 100_000, rollupDelayMs: 5000 };

/**
 * Resolves poster codes to location ids and their libraries at flush time, so that recording never
 * waits for the database. `defaultLibrary` attributes events recorded without a library (scripts,
 * scans whose code no longer resolves).
 */
export interface LocationResolver {
  locations(codes: string[]): Promise<Map<string, { id: number; libraryId: number }>>;
  defaultLibrary(): Promise<number>;
}

/**
 * Records statistics events without slowing the request that causes them: record() only appends
 * to an in-memory buffer; a timer writes the buffer in one multi-row INSERT every `flushMs`.
 *
 * Durability: close() (called by AppContext.close() on graceful shutdown, before the pool closes)
 * writes everything still buffered, so a graceful stop loses nothing. A `kill -9` or power cut
 * loses what was recorded since the last flush: at most `flushMs` (1 s by default) of events
 * (`npm run bench:scan` measures it: about 0.2–0.3 s of traffic lost when killed under full load).
 * Writes that fail because the database is unreachable go back to the buffer and are retried on the
 * next tick; events the database refuses for their content are isolated and discarded (writeOrBisect).
 */
export class EventsService {
  private buffer: PendingEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** dropped: oldest events pushed out of a full buffer; discarded: events the database refused. */
  private readonly counts = { recorded: 0, written: 0, dropped: 0, discarded: 0 };

  constructor(
    private readonly repo: EventsRepository,
    private readonly salts: DailySalts,
    private readonly resolveLocations: LocationResolver,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: EventsOptions = DEFAULT_EVENTS_OPTIONS,
  ) {}

  /**
   * Records what a reader did. Never throws, never waits. Pass the request: it carries the visit
   * context (the place whose QR code started this session) and what the unique-visitor hash needs.
   */
  record(event: ReaderEvent, req?: EventRequest): void {
    try {
      this.opts.onRecord?.(event);
      const fields = validFields(event);
      if (!fields) {
        this.log.warn({ kind: (event as { kind?: unknown }).kind }, 'statistics event ignored: invalid fields');
        return;
      }
      const visit = req ? (req.visit ?? readVisitCookie(req.headers.cookie)) : null;
      this.push(
        {
          kind: event.kind,
          libraryId: req?.library?.id ?? null,
          origin: visit?.origin ?? 'direct',
          locationCode: visit?.code ?? null,
          ...fields,
          startsVisit: false,
        },
        req,
      );
    } catch (err) {
      this.log.warn({ err }, 'statistics event not recorded');
    }
  }

  /**
   * A QR scan (scan endpoint); `startsVisit` when it also begins a new visitor session. /q/:code is
   * global: the scan belongs to the location's library, resolved with the code at flush time.
   */
  recordScan(origin: Origin, locationCode: string, req: EventRequest, bookId: number | null, startsVisit: boolean): void {
    this.push(
      { kind: 'scan', libraryId: null, origin, locationCode, bookId, query: null, resultCount: null, pages: null, startsVisit },
      req,
    );
  }

  /** A session that began without a QR code (visit-tracking middleware). */
  recordDirectVisit(req: EventRequest): void {
    this.push(
      {
        kind: 'visit',
        libraryId: req.library?.id ?? null,
        origin: 'direct',
        locationCode: null,
        bookId: null,
        query: null,
        resultCount: null,
        pages: null,
        startsVisit: false,
      },
      req,
    );
  }

  private push(e: Omit<PendingEvent, 'at' | 'isBot' | 'ip' | 'userAgent'>, req?: EventRequest): void {
    const userAgent = typeof req?.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null;
    this.buffer.push({ ...e, at: this.clock.now(), isBot: req ? isBot(userAgent) : false, ip: req?.ip ?? null, userAgent });
    this.counts.recorded++;
    if (this.buffer.length > this.opts.maxBuffered) {
      const excess = this.buffer.length - this.opts.maxBuffered;
      this.buffer.splice(0, excess);
      this.counts.dropped += excess;
      this.log.error({ dropped: excess }, 'statistics buffer full (database unreachable?): oldest events dropped');
    }
    if (this.buffer.length >= this.opts.maxBatch) void this.flush().catch(() => undefined);
    else this.arm();
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((err) => this.log.error({ err, buffered: this.buffer.length }, 'statistics flush failed; will retry'));
    }, this.opts.flushMs);
    this.timer.unref();
  }

  /** Writes everything buffered so far. Flushes never overlap: each waits for the previous one. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.drain());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.opts.maxBatch);
      const unwritten = await this.writeOrBisect(batch);
      if (unwritten.events.length > 0) {
        this.buffer.unshift(...unwritten.events);
        this.arm();
        throw unwritten.error;
      }
    }
    await this.salts.forgetPastDaysIfNewDay();
  }

  /**
   * Writes a batch. When PostgreSQL rejects it for its content (one event with a NUL byte used to
   * block every later event forever), the batch is split in halves until the bad events are alone;
   * those are discarded and counted, the rest is written. When the database is unreachable (or the
   * failure is transient), nothing is split: the events not yet written are handed back to retry.
   */
  private async writeOrBisect(batch: PendingEvent[]): Promise<{ events: PendingEvent[]; error?: unknown }> {
    try {
      await this.repo.insertBatch(await this.toRows(batch), new Date(Date.now() + this.opts.rollupDelayMs));
      this.counts.written += batch.length;
      return { events: [] };
    } catch (err) {
      if (isRetryable(err)) return { events: batch, error: err };
      if (batch.length === 1) {
        this.counts.discarded++;
        const e = batch[0];
        this.log.error(
          { err, kind: e.kind, discarded: this.counts.discarded },
          'statistics event refused by the database: discarded (the rest of its batch is written)',
        );
        return { events: [] };
      }
      const mid = Math.ceil(batch.length / 2);
      const first = await this.writeOrBisect(batch.slice(0, mid));
      if (first.events.length > 0) return { events: [...first.events, ...batch.slice(mid)], error: first.error };
      return this.writeOrBisect(batch.slice(mid));
    }
  }

  /** Pending → stored: hash (with the event day's salt) and classify, then drop the IP and user agent. */
  private async toRows(batch: PendingEvent[]): Promise<StoredEvent[]> {
    const codes = [...new Set(batch.map((e) => e.locationCode).filter((c): c is string => c !== null))];
    const [places, salts] = await Promise.all([
      codes.length ? this.resolveLocations.locations(codes) : Promise.resolve(new Map<string, { id: number; libraryId: number }>()),
      this.salts.forDays(batch.filter((e) => !e.isBot && e.ip && e.userAgent).map((e) => libraryDate(e.at))),
    ]);
    // Only events with neither a library nor a resolvable poster (scripts, forged codes) need it.
    const fallback = batch.some((e) => e.libraryId === null && !(e.locationCode && places.has(e.locationCode)))
      ? await this.resolveLocations.defaultLibrary()
      : 0;
    return batch.map((e) => {
      const salt = salts.get(libraryDate(e.at)) ?? null;
      const found = e.locationCode ? places.get(e.locationCode) : undefined;
      // A scan belongs to its poster's library; every other event to the site it happened on.
      const libraryId = e.kind === 'scan' ? (found?.libraryId ?? e.libraryId ?? fallback) : (e.libraryId ?? found?.libraryId ?? fallback);
      // A reader who came through ward A's poster and then reads on ward B's site: B's figures
      // must not name A's place, so there the event counts as direct.
      const place = found && found.libraryId === libraryId ? found : undefined;
      const locationId = place?.id ?? null;
      return {
        library_id: libraryId,
        occurred_at: e.at,
        kind: e.kind,
        // A code that no longer resolves (forged cookie) cannot be attributed: count it as direct.
        // A poster of another library's place: direct for this library (see above).
        origin: (e.origin === 'qr' && locationId === null) || (found && !place) ? 'direct' : e.origin,
        location_id: locationId,
        book_id: e.bookId,
        query: e.query,
        result_count: e.resultCount,
        pages: e.pages,
        visitor_hash: !e.isBot && salt && e.ip && e.userAgent ? visitorHash(salt, e.ip, e.userAgent) : null,
        device: e.isBot ? null : deviceClass(e.userAgent),
        is_bot: e.isBot,
        starts_visit: e.startsVisit && !e.isBot,
      };
    });
  }

  /** Stops the timer and writes what is left; called on graceful shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (let attempt = 1; this.buffer.length > 0; attempt++) {
      try {
        await this.flush();
      } catch (err) {
        if (attempt >= 3) {
          this.log.error({ err, lost: this.buffer.length }, 'statistics events could not be written at shutdown');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  /** Counters since start (benchmarks, health). */
  stats(): { recorded: number; written: number; dropped: number; discarded: number; buffered: number } {
    return { ...this.counts, buffered: this.buffer.length };
  }
}

/**
 * Failures that say nothing about the events: the database is down or busy (connection, shutdown,
 * resources, serialisation/deadlock). Anything else (bad encoding, a constraint) is about the data.
 */
function isRetryable(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(40|53|55|57|58|08|XX)/.test(code);
}

type EventFields = Pick<PendingEvent, 'bookId' | 'query' | 'resultCount' | 'pages'>;

const posInt = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max;

/** Checks what callers pass at run time too: a bad event is dropped, never stored half-right. */
function validFields(event: ReaderEvent): EventFields | null {
  const none: EventFields = { bookId: null, query: null, resultCount: null, pages: null };
  const kind: EventKind = event.kind;
  switch (kind) {
    case 'search': {
      const e = event as Extract<ReaderEvent, { kind: 'search' }>;
      const query = typeof e.query === 'string' ? normaliseQuery(e.query) : '';
      if (!query || !(Number.isInteger(e.resultCount) && e.resultCount >= 0)) return null;
      return { ...none, query, resultCount: e.resultCount };
    }
    case 'book_open':
    case 'download': {
      const e = event as { bookId: unknown };
      return posInt(e.bookId, Number.MAX_SAFE_INTEGER) ? { ...none, bookId: e.bookId } : null;
    }
    case 'pages_read': {
      const e = event as { bookId: unknown; pages: unknown };
      return posInt(e.bookId, Number.MAX_SAFE_INTEGER) && posInt(e.pages, 2000) ? { ...none, bookId: e.bookId, pages: e.pages } : null;
    }
    default:
      return null;
  }
}
