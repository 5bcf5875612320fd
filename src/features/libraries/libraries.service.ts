import { isUniqueViolation } from '../../db/database.ts';
import type { LibraryRow } from '../../db/schema/libraries.ts';
import { invalid, notFound, type FieldErrors } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
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

/** Libraries of the city: finding them from an address, and the city admin's create/edit rules. */
export class LibrariesService {
  constructor(
    private readonly repo: LibrariesRepository,
    private readonly clock: Clock,
    /** Host name → library slug (LIBRARY_HOSTS). */
    private readonly hosts: ReadonlyMap<string, string>,
  ) {}

  async bySlug(slug: string): Promise<CurrentLibrary | undefined> {
    const row = await this.repo.findBySlug(slug);
    return row && toCurrentLibrary(row);
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
    const row = await this.repo.findDefault();
    // 0014 inserts it and nothing deletes it: its absence is a broken database, not bad input.
    if (!row) throw new Error('no default library: is the database migrated?');
    return toCurrentLibrary(row);
  }

  async list(): Promise<CurrentLibrary[]> {
    return (await this.repo.list()).map(toCurrentLibrary);
  }

  async create(input: LibraryFields): Promise<CurrentLibrary> {
    const fields = this.validate(input);
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
