import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { CITY_ROLES, ROLES } from '../../db/schema/users.ts';
import { requireCityRole } from '../../http/auth-guards.ts';
import { formView } from '../../http/error-handler.ts';
import { AppError, invalid, notFound } from '../../http/errors.ts';
import { translator } from '../../http/i18n/index.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { createUserSchema } from '../auth/auth.schemas.ts';
import { discard, uploadedFiles, uploadMiddleware } from '../catalogue/ingest/upload-storage.ts';
import { LOGO_MAX_BYTES } from './libraries.service.ts';

export const CITY_PREFIX = '/thanh-pho';

const text = (max: number) => z.string().trim().max(max, 'libraries.validation.tooLong').default('');
const librarySchema = z.object({
  slug: z.string().trim().max(40, 'libraries.validation.slug'),
  name: z.string().trim().min(1, 'libraries.validation.name').max(200, 'libraries.validation.name'),
  unionName: text(200),
  address: text(500),
  contact: text(500),
});
const staffSchema = z.object({
  email: z.string().trim().toLowerCase().email('validation.email'),
  role: z.enum(ROLES, 'validation.role'),
});
const accountSchema = createUserSchema.and(
  z.object({
    libraryId: z.coerce.number().int().positive('libraries.validation.library'),
    cityRole: z.union([z.literal(''), z.enum(CITY_ROLES)]).default(''),
  }),
);

/**
 * The city's pages (global, not per library): city admins create and edit libraries (name, union,
 * address, contact, logo), create accounts and assign staff (one account may serve several
 * libraries); city leaders see the list. Every route needs a city role; changes need city admin.
 */
export function cityRoutes(ctx: AppContext): Router {
  const router = Router();
  const libraries = ctx.services.libraries;
  const users = ctx.services.users;
  const cityAdmin = requireCityRole('city_admin');
  router.use(requireCityRole('city_admin', 'city_leader'));
  router.param('id', async (_req, _res, next, value: string) => {
    if (!/^[1-9][0-9]{0,8}$/.test(value) || !(await libraries.byId(Number(value)))) return next(notFound());
    next();
  });

  const listLocals = async () => ({ libraries: await libraries.list(), values: {}, errors: {} });
  router.get('/', async (_req, res) => res.render('city/libraries', await listLocals()));

  router.post(
    '/thu-vien',
    cityAdmin,
    async (_req, res, next) => {
      Object.assign(res.locals, await listLocals());
      next();
    },
    formView('city/libraries'),
    async (req, res) => {
      const created = await libraries.create(parseInput(librarySchema, req.body));
      req.session.flash = { kind: 'info', text: translator(req.lang)('libraries.created', { name: created.name }) };
      res.redirect(303, `${CITY_PREFIX}/thu-vien/${created.id}`);
    },
  );

  const detailLocals = async (req: Request) => {
    const library = (await libraries.byId(parseInput(idParam, req.params.id)))!;
    const staff = await users.listStaff(library.id);
    return { lib: library, staff, values: { ...library }, errors: {} };
  };
  router.get('/thu-vien/:id', async (req, res) => res.render('city/library', await detailLocals(req)));

  router.post(
    '/thu-vien/:id',
    cityAdmin,
    async (req, res, next) => {
      Object.assign(res.locals, await detailLocals(req));
      next();
    },
    formView('city/library'),
    async (req, res) => {
      const id = parseInput(idParam, req.params.id);
      const saved = await libraries.update(id, parseInput(librarySchema, req.body));
      req.session.flash = { kind: 'info', text: translator(req.lang)('libraries.saved', { name: saved.name }) };
      res.redirect(303, `${CITY_PREFIX}/thu-vien/${id}`);
    },
  );

  router.post(
    '/thu-vien/:id/logo',
    cityAdmin,
    uploadMiddleware(ctx.storage, { field: 'logo', maxFiles: 1, maxBytes: LOGO_MAX_BYTES }),
    async (req: Request, res: Response) => {
      const id = parseInput(idParam, req.params.id);
      const [file] = uploadedFiles(req);
      const t = translator(req.lang);
      try {
        if (!file) throw new AppError(400, 'no_file', 'libraries.logo.missing');
        const outcome = await libraries.setLogo(id, file);
        if (outcome === 'not_image') throw new AppError(400, 'not_image', 'libraries.logo.notImage');
        if (outcome === 'too_large') throw new AppError(413, 'too_large', 'libraries.logo.tooLarge');
      } finally {
        await discard(uploadedFiles(req)); // moved into place, or not kept
      }
      req.session.flash = { kind: 'info', text: t('libraries.logo.saved') };
      res.redirect(303, `${CITY_PREFIX}/thu-vien/${id}`);
    },
  );

  // Staff: an existing account (by email) gets a role in this library; it keeps its other libraries.
  router.post('/thu-vien/:id/nhan-su', cityAdmin, async (req, res) => {
    const id = parseInput(idParam, req.params.id);
    const input = parseInput(staffSchema, req.body);
    const account = await users.findByEmail(input.email);
    if (!account) throw invalid({ email: 'libraries.staff.noAccount' }, 'libraries.staff.noAccount');
    await users.assignStaff(id, account.id, input.role);
    req.session.flash = { kind: 'info', text: translator(req.lang)('libraries.staff.assigned', { email: account.email }) };
    res.redirect(303, `${CITY_PREFIX}/thu-vien/${id}`);
  });

  router.post('/thu-vien/:id/nhan-su/:userId/xoa', cityAdmin, async (req, res) => {
    const id = parseInput(idParam, req.params.id);
    await users.removeStaff(req.user!, id, parseInput(idParam, req.params.userId));
    req.session.flash = { kind: 'info', text: translator(req.lang)('libraries.staff.removed') };
    res.redirect(303, `${CITY_PREFIX}/thu-vien/${id}`);
  });

  // Accounts of the whole install: created with a first library (and role there), optionally a city role.
  const accountsLocals = async () => {
    const all = await users.listAll();
    const libs = await libraries.list();
    const names = new Map(libs.map((l) => [l.id, l.name]));
    const rows = await Promise.all(
      all.map(async (u) => ({
        user: u,
        memberships: [...(await users.membershipsOf(u.id))].map(([libraryId, role]) => ({ name: names.get(libraryId) ?? '', role })),
      })),
    );
    return { accounts: rows, libraries: libs, values: {}, errors: {}, link: null };
  };
  router.get('/tai-khoan', cityAdmin, async (_req, res) => res.render('city/accounts', await accountsLocals()));
  router.post(
    '/tai-khoan',
    cityAdmin,
    async (_req, res, next) => {
      Object.assign(res.locals, await accountsLocals());
      next();
    },
    formView('city/accounts'),
    async (req, res) => {
      const input = parseInput(accountSchema, req.body);
      if (!(await libraries.byId(input.libraryId))) throw invalid({ libraryId: 'libraries.validation.library' });
      const { user, inviteToken } = await users.createUser({
        email: input.email,
        displayName: input.displayName,
        role: input.role,
        libraryId: input.libraryId,
        cityRole: input.cityRole || null,
        password: input.password || undefined,
      });
      const t = translator(req.lang);
      res.render('city/accounts', {
        ...(await accountsLocals()),
        flash: { kind: 'info', text: t('users.created', { email: user.email }) },
        link: inviteToken ? { label: t('users.inviteLink'), url: `${ctx.config.publicBaseUrl}/dat-mat-khau/${inviteToken}` } : null,
      });
    },
  );
  return router;
}
