import { Router, type Request } from 'express';
import type { AppContext } from '../../context.ts';
import type { User } from '../../db/schema/users.ts';
import { roleIn } from '../../http/auth-guards.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { formView } from '../../http/error-handler.ts';
import { translator } from '../../http/i18n/index.ts';
import { safeReturnPath } from '../../http/safe-redirect.ts';
import { parseInput } from '../../http/validation.ts';
import { setPasswordSchema, setupSchema, signInSchema } from './auth.schemas.ts';

/** Only same-site paths are accepted after sign-in, never another host. */
const safeNext = (value: unknown): string => safeReturnPath(value, '/admin');

/** A new session id at sign-in defeats session fixation. */
/**
 * Saved before the redirect is sent: express-session otherwise writes the response's headers first
 * and saves while the last byte waits, so a browser following the 303 at once may reach another
 * app instance (or a free pool connection) before the session exists, and look signed out.
 */
function signIn(req: Request, user: User): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => {
      if (err) return reject(err);
      req.session.userId = user.id;
      resolve(saveSession(req));
    }),
  );
}

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  const users = ctx.services.users;

  /**
   * Where a signed-in account goes after sign-in. '/admin' (the default, when no page was asked for)
   * is the admin of the library at `/`: an account that serves only other libraries (a ward's
   * librarian) would meet a 403 there, so it is led to the admin of the first library it serves.
   */
  const landing = async (req: Request, userId: number, target: string): Promise<string> => {
    if (target !== '/admin') return target;
    const account = await users.findSignedIn(userId);
    if (!account || roleIn(account, req.library.id)) return target;
    const [first] = account.memberships.keys();
    const library = first === undefined ? undefined : await ctx.services.libraries.byId(first);
    return library ? `/${library.slug}/admin` : target;
  };

  router.get('/dang-nhap', async (req, res) => {
    if (req.user) return res.redirect(303, await landing(req, req.user.id, safeNext(req.query.next)));
    res.render('auth/sign-in', { next: safeNext(req.query.next) });
  });

  router.post('/dang-nhap', formView('auth/sign-in'), async (req, res) => {
    res.locals.next = safeNext(req.body?.next);
    const input = parseInput(signInSchema, req.body);
    const user = await users.authenticate(input.email, input.password, req.ip ?? 'unknown');
    await signIn(req, user);
    res.redirect(303, await landing(req, user.id, safeNext(req.body?.next)));
  });

  router.post('/dang-xuat', (req, res, next) => {
    const t = translator(req.lang);
    // Back to the home of the library the person was in (the form sends it), not always the default one.
    const home = safeReturnPath(req.body?.next, '/');
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.flash = { kind: 'info', text: t('auth.signOut.done') };
      res.redirect(303, home); // saveFlashBeforeRedirect saves the message first
    });
  });

  router.get('/setup', async (_req, res) => {
    if (!(await users.needsSetup())) throw notFound();
    res.render('auth/setup');
  });

  router.post('/setup', formView('auth/setup'), async (req, res) => {
    if (!(await users.needsSetup())) throw new AppError(409, 'already_set_up', 'setup.closed');
    const input = parseInput(setupSchema, req.body);
    const admin = await users.setupFirstAdmin(input);
    await signIn(req, admin);
    req.session.flash = { kind: 'info', text: translator(req.lang)('setup.done') };
    res.redirect(303, '/admin');
  });

  router.get('/dat-mat-khau/:token', async (req, res) => {
    const token = String(req.params.token);
    const user = await users.findByToken(token);
    if (!user)
      return res.status(410).render('errors/error', { status: 410, message: translator(req.lang)('auth.setPassword.invalidLink') });
    res.render('auth/set-password', { email: user.email, token });
  });

  router.post('/dat-mat-khau/:token', formView('auth/set-password'), async (req, res) => {
    const t = translator(req.lang);
    const token = String(req.params.token);
    const pending = await users.findByToken(token);
    res.locals.email = pending?.email ?? '';
    res.locals.token = token;
    const input = parseInput(setPasswordSchema, req.body);
    const user = await users.setPasswordWithToken(token, input.password);
    if (!user) return res.status(410).render('errors/error', { status: 410, message: t('auth.setPassword.invalidLink') });
    req.session.flash = { kind: 'info', text: t('auth.setPassword.done') };
    res.redirect(303, '/dang-nhap');
  });

  return router;
}
