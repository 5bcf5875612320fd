import { isUniqueViolation } from '../../db/database.ts';
import type { LibraryRow } from '../../db/schema/libraries.ts';
import { invalid, notFound, type FieldErrors } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Storage } from '../../infra/storage.ts';
import { readHead, sniff } from '../catalogue/ingest/upload-storage.ts';
import type { LibrariesRepository, LibraryFields } from './libraries.repository.ts';
import { RESERVED_SEGMENTS, SLUG_PATTERN } from './reserved-segments.ts';

/** What a request knows about the library in its address (req.library). */
export interface CurrentLibrary {
  id: number;
  slug: string;
  name: string;
  unionName: string;
  address: string;
  contact: string;
  logoKey: string | null;
  isDefault: boolean;
}

export const toCurrentLibrary = (row: LibraryRow): CurrentLibrary => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  unionName: row.union_name,
  address: row.address,
  contact: row.contact,
  logoKey: row.logo_key,
  isDefault: row.is_default,
});

const LIMITS = { name: 200, unionName: 200, address: 500, contact: 500 } as const;
export const LOGO_MAX_BYTES = 1024 * 1024;

/** How long an address → library answer is reused (several instances: their changes show within it). */
const LOOKUP_TTL_MS = 1000;
const LOOKUP_MAX_ENTRIES = 1000;

/** Libraries of the city: finding them from an address, and the city admin's create/edit rules. */
export class LibrariesService {
  constructor(
    private readonly repo: LibrariesRepository,
    private readonly clock: Clock,
    /** Host name → library slug (LIBRARY_HOSTS). */
    private readonly hosts: ReadonlyMap<string, string>,
    private readonly storage: Storage,
  ) {}

  /**
   * Every request asks which library its address names; the answer is remembered for
   * LOOKUP_TTL_MS (readers' searches must not wait for a database round trip each: issue 12).
   * Several instances share the database: a change made on another one shows here within that
   * time; this instance's own changes forget at once.
   */
  private readonly recent = new Map<string, { at: number; library: CurrentLibrary | undefined }>();

  private async remembered(key: string, load: () => Promise<CurrentLibrary | undefined>): Promise<CurrentLibrary | undefined> {
    const now = performance.now();
    const hit = this.recent.get(key);
    if (hit && now - hit.at < LOOKUP_TTL_MS) return hit.library;
    const library = await load();
    // Addresses that name no library are remembered too, so bound the memory against made-up ones.
    if (this.recent.size >= LOOKUP_MAX_ENTRIES) this.recent.clear();
    this.recent.set(key, { at: now, library });
    return library;
  }

  /**
   * Sets a library's logo from an uploaded file in storage/tmp: PNG, JPEG or WebP by its bytes
   * (never its name), at most LOGO_MAX_BYTES; moved into storage/logos (same filesystem: an atomic
   * rename) under a new key, so a page never sees half a logo and caches never see a stale one.
   */
  async setLogo(id: number, upload: { path: string; size: number }): Promise<'ok' | 'not_image' | 'too_large'> {
    const library = await this.repo.findById(id);
    if (!library) throw notFound();
    if (upload.size > LOGO_MAX_BYTES) return 'too_large';
    const kind = sniff(await readHead(upload.path));
    if (kind !== 'png' && kind !== 'jpeg' && kind !== 'webp') return 'not_image';
    const key = `${library.id}-${Date.now().toString(36)}.${kind === 'jpeg' ? 'jpg' : kind}`;
    await this.storage.moveIn(upload.path, 'logos', key);
    await this.repo.setLogo(id, key, this.clock.now());
    this.recent.clear();
    if (library.logo_key) await this.storage.remove('logos', library.logo_key).catch(() => undefined);
    return 'ok';
  }

  /** The stored logo file of a library (path and type), or null. */
  logoFile(library: CurrentLibrary): { path: string; type: string } | null {
    if (!library.logoKey) return null;
    const ext = library.logoKey.split('.').pop();
    const type = ext === 'png' ? 'image/png' : ext === 'webp' ? 'image/webp' : 'image/jpeg';
    return { path: this.storage.path('logos', library.logoKey), type };
  }

  async bySlug(slug: string): Promise<CurrentLibrary | undefined> {
    return this.remembered(`slug:${slug}`, async () => {
      const row = await this.repo.findBySlug(slug);
      return row && toCurrentLibrary(row);
    });
  }

  async byId(id: number): Promise<CurrentLibrary | undefined> {
    const row = await this.repo.findById(id);
    return row && toCurrentLibrary(row);
  }

  /** The library a configured host name serves at `/`, if any. */
  async byHost(host: string): Promise<CurrentLibrary | undefined> {
    const slug = this.hosts.get(host.toLowerCase());
    return slug ? this.bySlug(slug) : undefined;
  }

  async defaultLibrary(): Promise<CurrentLibrary> {
    const library = await this.remembered('default', async () => {
      const row = await this.repo.findDefault();
      return row && toCurrentLibrary(row);
    });
    // 0014 inserts it and nothing deletes it: its absence is a broken database, not bad input.
    if (!library) throw new Error('no default library: is the database migrated?');
    return library;
  }

  async list(): Promise<CurrentLibrary[]> {
    return (await this.repo.list()).map(toCurrentLibrary);
  }

  async create(input: LibraryFields): Promise<CurrentLibrary> {
    const fields = this.validate(input);
    this.recent.clear(); // its slug may have been remembered as naming no library
    try {
      return toCurrentLibrary(await this.repo.insert(fields));
    } catch (err) {
      if (isUniqueViolation(err, 'libraries_slug_key')) throw invalid({ slug: 'libraries.validation.slugTaken' });
      throw err;
    }
  }

  async update(id: number, input: LibraryFields): Promise<CurrentLibrary> {
    const fields = this.validate(input);
    let row: LibraryRow | undefined;
    try {
      row = await this.repo.update(id, fields, this.clock.now());
    } catch (err) {
      if (isUniqueViolation(err, 'libraries_slug_key')) throw invalid({ slug: 'libraries.validation.slugTaken' });
      throw err;
    }
    this.recent.clear();
    if (!row) throw notFound();
    return toCurrentLibrary(row);
  }

  /** Trims the fields and checks them; the slug must be an address segment no page of the site uses. */
  validate(input: LibraryFields): LibraryFields {
    const fields: LibraryFields = {
      slug: input.slug.trim().toLowerCase(),
      name: input.name.trim(),
      unionName: input.unionName.trim(),
      address: input.address.trim(),
      contact: input.contact.trim(),
    };
    const errors: FieldErrors = {};
    if (!SLUG_PATTERN.test(fields.slug)) errors.slug = 'libraries.validation.slug';
    else if (RESERVED_SEGMENTS.has(fields.slug)) errors.slug = 'libraries.validation.slugReserved';
    if (!fields.name || fields.name.length > LIMITS.name) errors.name = 'libraries.validation.name';
    if (fields.unionName.length > LIMITS.unionName) errors.unionName = 'libraries.validation.tooLong';
    if (fields.address.length > LIMITS.address) errors.address = 'libraries.validation.tooLong';
    if (fields.contact.length > LIMITS.contact) errors.contact = 'libraries.validation.tooLong';
    if (Object.keys(errors).length) throw invalid(errors);
    return fields;
  }
}
