import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const ROLES = ['admin', 'librarian', 'leader'] as const;
export type Role = (typeof ROLES)[number];

export interface UsersTable {
  id: Generated<number>;
  email: string;
  display_name: string;
  role: Role;
  /** argon2id hash; null until an invited user chooses a password. */
  password_hash: string | null;
  disabled_at: Date | null;
  /** True only for the administrator created by /setup; a unique index allows one such row. */
  created_via_setup: Generated<boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  last_login_at: Date | null;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
