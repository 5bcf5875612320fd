import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { isLang, LANGS } from '../../http/i18n/index.ts';
import { LANG_COOKIE } from '../../http/view-locals.ts';

export function homeRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.render('home/index', { needsSetup: await ctx.services.users.needsSetup() });
  });
  // A plain link (works without JavaScript); the cookie holds only the language choice.
  router.get('/ngon-ngu/:lang', (req, res) => {
    const lang = isLang(req.params.lang) ? req.params.lang : LANGS[0];
    res.cookie(LANG_COOKIE, lang, { maxAge: 365 * 24 * 3600 * 1000, sameSite: 'lax', httpOnly: true, secure: ctx.config.session.cookieSecure });
    const back = typeof req.query.next === 'string' && req.query.next.startsWith('/') && !req.query.next.startsWith('//') ? req.query.next : '/';
    res.redirect(303, back);
  });
  return router;
}
