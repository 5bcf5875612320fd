import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Role } from './users.ts';

/** A ward or commune union's library (migration 0014). Exactly one is the default, served at `/`. */
export interface LibrariesTable {
  id: Generated<number>;
  /** Its address segment: `/{slug}/…`. Never a top-level path of the site (checked by LibrariesService). */
  slug: string;
  name: string;
  union_name: Generated<string>;
  address: Generated<string>;
  contact: Generated<string>;
  /** Key in storage area 'logos' (PNG, JPEG or WebP, checked by magic bytes), or null. */
  logo_key: string | null;
  is_default: Generated<boolean>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}

/** Who serves which library, in which role. One account may serve several libraries. */
export interface LibraryStaffTable {
  library_id: number;
  user_id: number;
  role: Role;
  created_at: ColumnType<Date, never, never>;
}

export type LibraryRow = Selectable<LibrariesTable>;
export type LibraryStaffRow = Selectable<LibraryStaffTable>;

/** A book another library published that this library put on its shelf (0015; shown only while consent scope allows). */
export interface LibraryShelvesTable {
  library_id: number;
  book_id: number;
  added_by: number | null;
  added_at: ColumnType<Date, Date | undefined, never>;
}
