import type { Request, Router } from 'express';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { formView } from '../../http/error-handler.ts';
import { translator } from '../../http/i18n/index.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { forbidden } from '../../http/errors.ts';
import { changeRoleSchema, createUserSchema } from './auth.schemas.ts';
import { libPath } from '../libraries/library-context.ts';
import { scopeParam } from '../libraries/library-scope.ts';

const linkFor = (ctx: AppContext, token: string) => `${ctx.config.publicBaseUrl}/dat-mat-khau/${token}`;

/** Account administration: admins only. */
export function usersRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/users', ['admin']);
  // A library's admin manages that library's staff; other accounts are the city admin's (/thanh-pho).
  scopeParam(ctx, router, 'id', 'staffMember');
  const users = ctx.services.users;

  const renderList = async (req: Request, extra: Record<string, unknown> = {}) => ({
    users: await users.listStaff(req.library.id),
    link: null,
    ...extra,
  });

  router.get('/', async (req, res) => {
    res.render('admin/users', await renderList(req));
  });

  router.post(
    '/',
    async (req, _res, next) => {
      // The form re-renders with the list, so load it before validation can fail.
      Object.assign(_res.locals, await renderList(req));
      next();
    },
    formView('admin/users'),
    async (req, res) => {
      const t = translator(req.lang);
      const input = parseInput(createUserSchema, req.body);
      const { user, inviteToken } = await users.createUser({ ...input, libraryId: req.library.id, password: input.password || undefined });
      res.render(
        'admin/users',
        await renderList(req, {
          flash: { kind: 'info', text: t('users.created', { email: user.email }) },
          link: inviteToken ? { label: t('users.inviteLink'), url: linkFor(ctx, inviteToken) } : null,
        }),
      );
    },
  );

  router.post('/:id/role', async (req, res) => {
    const user = await users.changeRole(
      req.user!,
      req.library.id,
      parseInput(idParam, req.params.id),
      parseInput(changeRoleSchema, req.body).role,
    );
    req.session.flash = { kind: 'info', text: translator(req.lang)('users.updated', { email: user.email }) };
    res.redirect(303, libPath(res, '/admin/users'));
  });

  /**
   * Disabling an account or resetting its password acts on the whole account: a library's admin may
   * do it only for accounts that serve their library alone; accounts of several libraries or with a
   * city role are the city admin's.
   */
  const ownsAccountAlone = async (req: Request) => {
    if (req.user!.cityRole === 'city_admin') return;
    const id = parseInput(idParam, req.params.id);
    const target = await users.findById(id);
    const memberships = await users.membershipsOf(id);
    if (!target || target.city_role || [...memberships.keys()].some((libraryId) => libraryId !== req.library.id)) throw forbidden();
  };
  const alone = async (req: Request, _res: unknown, next: () => void) => {
    await ownsAccountAlone(req);
    next();
  };

  router.post('/:id/disable', alone, async (req, res) => {
    const user = await users.setDisabled(req.user!, parseInput(idParam, req.params.id), true);
    req.session.flash = { kind: 'info', text: translator(req.lang)('users.updated', { email: user.email }) };
    res.redirect(303, libPath(res, '/admin/users'));
  });

  router.post('/:id/enable', alone, async (req, res) => {
    const user = await users.setDisabled(req.user!, parseInput(idParam, req.params.id), false);
    req.session.flash = { kind: 'info', text: translator(req.lang)('users.updated', { email: user.email }) };
    res.redirect(303, libPath(res, '/admin/users'));
  });

  router.post('/:id/reset-link', alone, async (req, res) => {
    const t = translator(req.lang);
    const id = parseInput(idParam, req.params.id);
    const token = await users.createPasswordLink(id, 'reset');
    res.render('admin/users', await renderList(req, { link: { label: t('users.resetLink'), url: linkFor(ctx, token) } }));
  });

  return router;
}
