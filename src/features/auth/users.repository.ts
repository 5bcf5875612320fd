import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { CityRole, Role, User } from '../../db/schema/users.ts';

/** An account as listed for one library: its role there. */
export type StaffMember = Omit<User, 'role'> & { role: Role };

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

  /** The staff of one library, each with their role there. */
  listStaff(libraryId: number): Promise<StaffMember[]> {
    return this.db
      .selectFrom('users')
      .innerJoin('library_staff as s', 's.user_id', 'users.id')
      .selectAll('users')
      .select('s.role as role')
      .where('s.library_id', '=', libraryId)
      .orderBy('users.created_at')
      .orderBy('users.id')
      .execute();
  }

  /** Every account of the install (the city admin's list), with the libraries each serves. */
  listAll(): Promise<User[]> {
    return this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  /** Every library an account serves, with its role there. */
  async membershipsOf(userId: number): Promise<Map<number, Role>> {
    // Oldest library first: the one sign-in leads to when the account has no role in the library at `/`.
    const rows = await this.db
      .selectFrom('library_staff')
      .select(['library_id', 'role'])
      .where('user_id', '=', userId)
      .orderBy('library_id')
      .execute();
    return new Map(rows.map((r) => [r.library_id, r.role]));
  }

  /**
   * Gives an account a role in a library (or changes it). The legacy users.role mirrors the
   * default library's role, so that code from before 0014 would still find it after a rollback.
   */
  async setStaffRole(libraryId: number, userId: number, role: Role): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('library_staff')
        .values({ library_id: libraryId, user_id: userId, role })
        .onConflict((oc) => oc.columns(['library_id', 'user_id']).doUpdateSet({ role }))
        .execute();
      await tx
        .updateTable('users')
        .set({ role, updated_at: new Date() })
        .where('id', '=', userId)
        .where((eb) => eb.exists(eb.selectFrom('libraries').select('id').where('id', '=', libraryId).where('is_default', '=', true)))
        .execute();
    });
  }

  async removeStaff(libraryId: number, userId: number): Promise<void> {
    await this.db.deleteFrom('library_staff').where('library_id', '=', libraryId).where('user_id', '=', userId).execute();
  }

  async setCityRole(userId: number, cityRole: CityRole | null): Promise<void> {
    await this.db.updateTable('users').set({ city_role: cityRole, updated_at: new Date() }).where('id', '=', userId).execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Creates an account serving `libraryId` in `role` (and, optionally, with a city-wide role), in one transaction. */
  async insert(user: {
    email: string;
    displayName: string;
    libraryId: number;
    role: Role;
    cityRole?: CityRole | null;
    passwordHash: string | null;
  }): Promise<User> {
    return this.db.transaction().execute(async (tx) => {
      const created = await tx
        .insertInto('users')
        .values({
          email: user.email,
          display_name: user.displayName,
          role: user.role,
          city_role: user.cityRole ?? null,
          password_hash: user.passwordHash,
          disabled_at: null,
          last_login_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx.insertInto('library_staff').values({ library_id: user.libraryId, user_id: created.id, role: user.role }).execute();
      return created;
    });
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
      // The first account runs the whole install: city admin, and admin of the default library.
      const created = await tx
        .insertInto('users')
        .values({
          email: user.email,
          display_name: user.displayName,
          role: 'admin',
          city_role: 'city_admin',
          password_hash: user.passwordHash,
          created_via_setup: true,
          disabled_at: null,
          last_login_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('library_staff')
        .columns(['library_id', 'user_id', 'role'])
        .expression((eb) =>
          eb
            .selectFrom('libraries')
            .select(['id', eb.val(created.id).as('user_id'), eb.val<Role>('admin').as('role')])
            .where('is_default', '=', true),
        )
        .execute();
      return created;
    });
  }

  async update(id: number, changes: { disabledAt?: Date | null; passwordHash?: string; lastLoginAt?: Date }): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
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
