import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const ROLES = ['admin', 'librarian', 'leader'] as const;
export type Role = (typeof ROLES)[number];
/** City-wide roles (migration 0014): the city admin runs every library; the city leader sees every library's figures. */
export const CITY_ROLES = ['city_admin', 'city_leader'] as const;
export type CityRole = (typeof CITY_ROLES)[number];

export interface UsersTable {
  id: Generated<number>;
  email: string;
  display_name: string;
  /** Legacy (before 0014, one library): kept in step with the default library's membership, never read for access. */
  role: ColumnType<Role | null, Role | null | undefined, Role | null>;
  /** argon2id hash; null until an invited user chooses a password. */
  password_hash: string | null;
  disabled_at: Date | null;
  /** True only for the administrator created by /setup; a unique index allows one such row. */
  created_via_setup: Generated<boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  last_login_at: Date | null;
  // 0014_libraries
  city_role: ColumnType<CityRole | null, CityRole | null | undefined, CityRole | null>;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
