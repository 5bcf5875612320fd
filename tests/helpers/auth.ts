import crypto from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/app.ts';
import type { AppContext } from '../../src/context.ts';
import type { Role, User } from '../../src/db/schema/users.ts';
import type { Clock } from '../../src/infra/clock.ts';
import { createTestEnv, type TestEnv } from './test-context.ts';

export const TEST_PASSWORD = 'mật-khẩu-thử-nghiệm-123';

/** Reads the CSRF token out of a rendered form. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}

export async function createUser(
  ctx: AppContext,
  role: Role,
  email = `${role}-${crypto.randomBytes(3).toString('hex')}@example.vn`,
  /** The library the account serves (default: the default library). */
  libraryId?: number,
): Promise<User> {
  const id = libraryId ?? (await ctx.services.libraries.defaultLibrary()).id;
  const { user } = await ctx.services.users.createUser({
    email,
    displayName: `Người dùng ${role}`,
    role,
    libraryId: id,
    password: TEST_PASSWORD,
  });
  return user;
}

export type Agent = ReturnType<typeof request.agent>;

/** A supertest agent with a signed-in session, plus a fresh CSRF token for its forms. */
export async function signedInAgent(
  app: App,
  email: string,
  password = TEST_PASSWORD,
  /** The admin home to land on: '/admin' (default library) or '/{slug}/admin'. */
  adminHome = '/admin',
): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(app);
  const page = await agent.get('/dang-nhap').expect(200);
  const res = await agent
    .post('/dang-nhap')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password, next: adminHome });
  if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}: ${res.text.slice(0, 300)}`);
  const admin = await agent.get(adminHome).expect(200);
  return { agent, csrf: csrfFrom(admin.text) };
}

export interface StaffSession {
  agent: Agent;
  csrf: string;
  user: User;
}

export async function signInAs(app: App, ctx: AppContext, role: Role): Promise<StaffSession> {
  const user = await createUser(ctx, role);
  return { ...(await signedInAgent(app, user.email)), user };
}

/**
 * A test file's environment on `clock` with a signed-in admin, librarian and leader, set up in
 * beforeAll and dropped in afterAll (fields are filled in by then).
 */
export function withStaff(clock: Clock): { env: TestEnv; staff: Record<Role, StaffSession> } {
  const t = { staff: {} } as { env: TestEnv; staff: Record<Role, StaffSession> };
  beforeAll(async () => {
    t.env = await createTestEnv({ clock });
    for (const role of ['admin', 'librarian', 'leader'] as const) t.staff[role] = await signInAs(t.env.app, t.env.ctx, role);
  });
  afterAll(() => t.env?.cleanup());
  return t;
}
