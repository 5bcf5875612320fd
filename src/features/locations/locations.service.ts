import crypto from 'node:crypto';
import { isUniqueViolation } from '../../db/database.ts';
import type { Location } from '../../db/schema/locations.ts';
import type { Clock } from '../../infra/clock.ts';
import { isDatabaseUnavailable } from '../../infra/faults.ts';
import { notFound } from '../../http/errors.ts';
import type { LocationFields, LocationsRepository } from './locations.repository.ts';
import { resolveBookChoice, type BookChoice, type BookChoiceDeps } from './book-choice.ts';

/**
 * Poster codes: 6 characters from an alphabet without look-alikes (0/o, 1/l/i), because people type
 * them from paper. 31^6 ≈ 887 million codes: with a few hundred locations a guessed code hits one
 * with odds below one in a million, which is all "unguessable enough" needs to mean for a poster.
 */
export const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const CODE_LENGTH = 6;

export function generateCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What the scan endpoint and the visit context need about a location, cached in memory. */
export interface LocationRef {
  id: number;
  code: string;
  name: string;
  active: boolean;
  /** The location's library: where its poster leads ('' for the default library at `/`, else '/slug'). */
  libraryId: number;
  base: string;
}

/**
 * Cached code lookups keep the scan redirect off the database. A change made in this process is
 * visible at once; one made by another app instance within CACHE_MS (2 s, like a withdrawal). The
 * price is one indexed lookup per poster code and instance every 2 s, nothing under a scan burst.
 */
const CACHE_MS = 2_000;
const CACHE_MAX = 5000;

export class LocationsService {
  private readonly cache = new Map<string, { ref: LocationRef | null; until: number }>();

  constructor(
    private readonly repo: LocationsRepository,
    private readonly clock: Clock,
  ) {}

  list(libraryId: number): Promise<Location[]> {
    return this.repo.list(libraryId);
  }

  /** The book picker's <datalist>: published books, newest first. */
  bookChoices(libraryId: number, limit: number): Promise<Array<{ id: number; title: string }>> {
    return this.repo.publishedBookChoices(libraryId, limit);
  }

  /** What was typed in a book picker, as one published book or the matches to choose from. */
  chooseBook(libraryId: number, input: unknown, suggest: BookChoiceDeps['suggest']): Promise<BookChoice> {
    const repo: BookChoiceDeps['repo'] = {
      publishedBookTitle: (bookId) => this.repo.publishedBookTitle(libraryId, bookId),
      publishedBooksLike: (text, limit) => this.repo.publishedBooksLike(libraryId, text, limit),
    };
    return resolveBookChoice({ repo, suggest }, input);
  }

  async get(id: number): Promise<Location> {
    const loc = await this.repo.findById(id);
    if (!loc) throw notFound();
    return loc;
  }

  async create(libraryId: number, fields: LocationFields): Promise<Location> {
    for (let attempt = 0; ; attempt++) {
      try {
        const loc = await this.repo.insert(libraryId, generateCode(), fields);
        this.cache.delete(loc.code);
        return loc;
      } catch (err) {
        if (!isUniqueViolation(err, 'locations_code_key') || attempt >= 5) throw err;
      }
    }
  }

  async update(id: number, fields: LocationFields): Promise<Location> {
    const loc = await this.repo.update(id, fields, this.clock.now());
    if (!loc) throw notFound();
    this.cache.delete(loc.code);
    return loc;
  }

  /** Deactivating keeps the location and its history; its QR code then lands without attribution. */
  async setActive(id: number, active: boolean): Promise<Location> {
    const loc = await this.repo.setActive(id, active, this.clock.now());
    if (!loc) throw notFound();
    this.cache.delete(loc.code);
    return loc;
  }

  /**
   * The location behind a poster code (cached; also caches "no such code"). While the database is
   * unreachable an expired entry is still answered: a poster keeps being counted for its place
   * during an outage (the scan waits in the events buffer) instead of losing its attribution.
   */
  async resolveCode(code: string): Promise<LocationRef | null> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(code);
    if (hit && hit.until > now) return hit.ref;
    let loc: Awaited<ReturnType<LocationsRepository['findByCodeWithLibrary']>>;
    try {
      loc = await this.repo.findByCodeWithLibrary(code);
    } catch (err) {
      if (hit && isDatabaseUnavailable(err)) return hit.ref;
      throw err;
    }
    const ref = loc
      ? {
          id: loc.id,
          code: loc.code,
          name: loc.name,
          active: loc.active,
          libraryId: loc.library_id,
          base: loc.library_default ? '' : `/${loc.library_slug}`,
        }
      : null;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(code, { ref, until: now + CACHE_MS });
    return ref;
  }

  /** Synchronous peek at the cache (the scan hot path avoids a promise when it can). */
  peek(code: string): LocationRef | null | undefined {
    const hit = this.cache.get(code);
    return hit && hit.until > this.clock.now().getTime() ? hit.ref : undefined;
  }

  idsByCodes(codes: string[]): Promise<Map<string, number>> {
    return this.repo.idsByCodes(codes);
  }

  publishedBookTitle(libraryId: number, bookId: number): Promise<string | null> {
    return this.repo.publishedBookTitle(libraryId, bookId);
  }
}
