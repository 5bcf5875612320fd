import type { ColumnType, Generated, Selectable } from 'kysely';

export type LocationKind = 'community_house' | 'cafe' | 'school' | 'library' | 'other';
export const LOCATION_KINDS: readonly LocationKind[] = ['community_house', 'cafe', 'school', 'library', 'other'];

/** A place where a QR poster hangs (community house, café, school…). Never deleted: history stays. */
export interface LocationsTable {
  id: Generated<number>;
  /** Short code in the poster URL (/q/<code>); random, stable for the life of the location. */
  code: string;
  name: string;
  kind: LocationKind;
  address: Generated<string>;
  ward: Generated<string>;
  note: string | null;
  contact: string | null;
  active: Generated<boolean>;
  deactivated_at: Date | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
  // 0014_libraries
  /** The library this row belongs to (set once, at creation). */
  library_id: ColumnType<number, number, never>;
}

export type Location = Selectable<LocationsTable>;
