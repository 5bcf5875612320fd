import type { Generated, Selectable } from 'kysely';

/** One-time links to choose a password (invitation) or to reset it. Only a hash of the token is kept. */
export interface PasswordTokensTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  purpose: 'invite' | 'reset';
  expires_at: Date;
  used_at: Date | null;
  created_at: Generated<Date>;
}

export type PasswordToken = Selectable<PasswordTokensTable>;
