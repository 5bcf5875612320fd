import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { Role, User } from '../../db/schema/users.ts';

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export class UsersRepository {
  constructor(private readonly db: Database) {}

  findById(id: number): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst();
  }

  list(): Promise<User[]> {
    return this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(user: { email: string; displayName: string; role: Role; passwordHash: string | null }): Promise<User> {
    return this.db
      .insertInto('users')
      .values({
        email: user.email,
        display_name: user.displayName,
        role: user.role,
        password_hash: user.passwordHash,
        disabled_at: null,
        last_login_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Creates the first administrator only if no account exists. The advisory lock serialises
   * concurrent setups; the unique index `users_one_setup_admin` is the database's own guarantee.
   * Returns undefined when the library is already set up.
   */
  async insertSetupAdmin(user: { email: string; displayName: string; passwordHash: string }): Promise<User | undefined> {
    return this.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext('thu-vien-so:setup'))`.execute(tx);
      const existing = await tx.selectFrom('users').select('id').limit(1).executeTakeFirst();
      if (existing) return undefined;
      return tx
        .insertInto('users')
        .values({
          email: user.email,
          display_name: user.displayName,
          role: 'admin',
          password_hash: user.passwordHash,
          created_via_setup: true,
          disabled_at: null,
          last_login_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  async update(id: number, changes: { role?: Role; disabledAt?: Date | null; passwordHash?: string; lastLoginAt?: Date }): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        ...(changes.role !== undefined && { role: changes.role }),
        ...(changes.disabledAt !== undefined && { disabled_at: changes.disabledAt }),
        ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
        ...(changes.lastLoginAt !== undefined && { last_login_at: changes.lastLoginAt }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Ends every stored session of a user (after disabling them or changing their password). */
  async deleteSessionsOf(userId: number): Promise<void> {
    await sql`delete from session where (sess->>'userId')::bigint = ${userId}`.execute(this.db);
  }

  async createPasswordToken(userId: number, purpose: 'invite' | 'reset', expiresAt: Date): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    await this.db.transaction().execute(async (tx) => {
      // Only the newest link works: older unused ones are cancelled.
      await tx
        .updateTable('password_tokens')
        .set({ used_at: new Date() })
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .execute();
      await tx
        .insertInto('password_tokens')
        .values({ user_id: userId, token_hash: hashToken(token), purpose, expires_at: expiresAt, used_at: null })
        .execute();
    });
    return token;
  }

  async findUsableToken(token: string, now: Date): Promise<{ tokenId: number; user: User } | undefined> {
    const row = await this.db
      .selectFrom('password_tokens')
      .select(['id', 'user_id'])
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return undefined;
    const user = await this.findById(row.user_id);
    return user ? { tokenId: row.id, user } : undefined;
  }

  /** Uses the token and sets the password in one transaction; false if the token was used meanwhile. */
  async setPasswordWithToken(tokenId: number, userId: number, passwordHash: string, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const used = await tx
        .updateTable('password_tokens')
        .set({ used_at: now })
        .where('id', '=', tokenId)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (used.numUpdatedRows === 0n) return false;
      await tx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).execute();
      return true;
    });
  }
}
