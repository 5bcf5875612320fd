import type { CityRole, Role, User } from '../../db/schema/users.ts';
import type { SignedInUser } from '../../http/auth-guards.ts';
import { isUniqueViolation } from '../../db/database.ts';
import { AppError, invalid, tooManyRequests } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import type { LoginLimiter } from './login-limiter.ts';
import { burnVerification, hashPassword, verifyPassword } from './password.ts';
import type { StaffMember, UsersRepository } from './users.repository.ts';

const LINK_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export type PublicUser = Pick<User, 'id' | 'email' | 'display_name'>;

export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly limiter: LoginLimiter,
    private readonly clock: Clock,
  ) {}

  async needsSetup(): Promise<boolean> {
    return (await this.users.count()) === 0;
  }

  /** Creates the first administrator; fails with 409 once any account exists (even under a race). */
  async setupFirstAdmin(input: { email: string; displayName: string; password: string }): Promise<User> {
    const passwordHash = await hashPassword(input.password);
    let created: User | undefined;
    try {
      created = await this.users.insertSetupAdmin({ email: input.email, displayName: input.displayName, passwordHash });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    if (!created) throw new AppError(409, 'already_set_up', 'setup.closed');
    return created;
  }

  /**
   * Checks credentials under the per-IP and per-account limits. Returns the signed-in user. The
   * attempt is counted before the (slow) password check, so parallel attempts cannot outrun it.
   */
  async authenticate(email: string, password: string, ip: string): Promise<User> {
    const wait = await this.limiter.spend(ip, email);
    if (wait > 0) throw tooManyRequests('auth.signIn.rateLimited', { minutes: Math.ceil(wait / 60) });
    const user = await this.users.findByEmail(email);
    const ok = user?.password_hash ? await verifyPassword(user.password_hash, password) : (await burnVerification(password), false);
    if (!user || !ok) throw new AppError(401, 'bad_credentials', 'auth.signIn.failed');
    if (user.disabled_at) throw new AppError(403, 'account_disabled', 'auth.signIn.disabled');
    await this.limiter.succeeded(ip, email);
    await this.users.update(user.id, { lastLoginAt: this.clock.now() });
    return user;
  }

  /** Creates an account; without a password it returns a one-time invitation token to send. */
  async createUser(input: {
    email: string;
    displayName: string;
    /** The library the account serves first (more can be assigned later). */
    libraryId: number;
    role: Role;
    cityRole?: CityRole | null;
    password?: string;
  }): Promise<{ user: User; inviteToken: string | null }> {
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    let user: User;
    try {
      user = await this.users.insert({ ...input, passwordHash });
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_key')) throw invalid({ email: 'validation.emailTaken' });
      throw err;
    }
    const inviteToken = passwordHash ? null : await this.createPasswordLink(user.id, 'invite');
    return { user, inviteToken };
  }

  async createPasswordLink(userId: number, purpose: 'invite' | 'reset'): Promise<string> {
    const user = await this.mustFind(userId);
    return this.users.createPasswordToken(user.id, purpose, new Date(this.clock.now().getTime() + LINK_LIFETIME_MS));
  }

  async findByToken(token: string): Promise<User | undefined> {
    return (await this.users.findUsableToken(token, this.clock.now()))?.user;
  }

  async setPasswordWithToken(token: string, password: string): Promise<User | undefined> {
    const found = await this.users.findUsableToken(token, this.clock.now());
    if (!found) return undefined;
    const ok = await this.users.setPasswordWithToken(found.tokenId, found.user.id, await hashPassword(password), this.clock.now());
    if (!ok) return undefined;
    await this.users.deleteSessionsOf(found.user.id);
    return found.user;
  }

  async setPassword(userId: number, password: string): Promise<void> {
    await this.users.update(userId, { passwordHash: await hashPassword(password) });
    await this.users.deleteSessionsOf(userId);
  }

  /** Role (in one library) and status changes; an admin cannot lock themselves out by editing their own account. */
  async changeRole(actor: PublicUser, libraryId: number, userId: number, role: Role): Promise<User> {
    const user = await this.mustFind(userId);
    if (user.id === actor.id && role !== 'admin') throw invalid({ role: 'validation.cannotChangeSelf' });
    await this.users.setStaffRole(libraryId, user.id, role);
    return user;
  }

  /** Gives an account a role in another library (one account may serve several). */
  async assignStaff(libraryId: number, userId: number, role: Role): Promise<User> {
    const user = await this.mustFind(userId);
    await this.users.setStaffRole(libraryId, user.id, role);
    return user;
  }

  async removeStaff(actor: PublicUser, libraryId: number, userId: number): Promise<void> {
    if (userId === actor.id) throw invalid({ _form: 'validation.cannotChangeSelf' });
    await this.users.removeStaff(libraryId, userId);
  }

  async setCityRole(actor: PublicUser, userId: number, cityRole: CityRole | null): Promise<User> {
    const user = await this.mustFind(userId);
    if (user.id === actor.id && cityRole !== 'city_admin') throw invalid({ cityRole: 'validation.cannotChangeSelf' });
    await this.users.setCityRole(user.id, cityRole);
    return user;
  }

  /** The account behind a session, with its city role and memberships, or undefined. */
  async findSignedIn(id: number): Promise<SignedInUser | undefined> {
    const user = await this.users.findById(id);
    if (!user) return undefined;
    return { ...user, cityRole: user.city_role, memberships: await this.users.membershipsOf(id) };
  }

  /** The user's role in each library it serves. */
  membershipsOf(userId: number): Promise<Map<number, Role>> {
    return this.users.membershipsOf(userId);
  }

  async setDisabled(actor: PublicUser, userId: number, disabled: boolean): Promise<User> {
    const user = await this.mustFind(userId);
    if (user.id === actor.id && disabled) throw invalid({ _form: 'validation.cannotChangeSelf' });
    await this.users.update(user.id, { disabledAt: disabled ? this.clock.now() : null });
    if (disabled) await this.users.deleteSessionsOf(user.id);
    return user;
  }

  /** The staff of one library, each with their role there. */
  listStaff(libraryId: number): Promise<StaffMember[]> {
    return this.users.listStaff(libraryId);
  }

  listAll(): Promise<User[]> {
    return this.users.listAll();
  }

  findById(id: number): Promise<User | undefined> {
    return this.users.findById(id);
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.users.findByEmail(email);
  }

  private async mustFind(id: number): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError(404, 'not_found', 'error.notFound');
    return user;
  }
}
