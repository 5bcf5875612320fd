import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { saveFlashBeforeRedirect } from '../../../src/http/session.ts';

/** A request/response pair just big enough for the middleware: it records what happened, in order. */
function fakeExchange(flash: boolean, saveError?: Error) {
  const events: string[] = [];
  let saveDone: (() => void) | undefined;
  const session = {
    flash: flash ? { kind: 'info' as const, text: 'Đã lưu.' } : undefined,
    save(cb: (err?: Error) => void) {
      events.push('save started');
      // The store answers later, as PostgreSQL does: the redirect must wait for it.
      saveDone = () => {
        events.push('saved');
        cb(saveError);
      };
    },
  };
  const res = {
    redirect: (...args: unknown[]) => void events.push(`redirect ${args.join(' ')}`),
  } as unknown as Response;
  const req = { session } as unknown as Request;
  const errors: unknown[] = [];
  const next: NextFunction = (err?: unknown) => void (err ? errors.push(err) : events.push('next'));
  saveFlashBeforeRedirect()(req, res, next);
  return { events, res, errors, finishSave: () => saveDone?.() };
}

describe('saveFlashBeforeRedirect', () => {
  it('sends a redirect that carries a flash only after the session is saved', () => {
    const x = fakeExchange(true);
    x.res.redirect(303, '/admin');
    expect(x.events).toEqual(['next', 'save started']);
    x.finishSave();
    expect(x.events).toEqual(['next', 'save started', 'saved', 'redirect 303 /admin']);
  });

  it('leaves redirects without a flash alone (reader redirects must not create sessions)', () => {
    const x = fakeExchange(false);
    x.res.redirect(302, '/sach/1');
    expect(x.events).toEqual(['next', 'redirect 302 /sach/1']);
  });

  it('hands a failed save to the error handler instead of redirecting', () => {
    const x = fakeExchange(true, new Error('database unavailable'));
    x.res.redirect(303, '/admin');
    x.finishSave();
    expect(x.errors).toHaveLength(1);
    expect(x.events).not.toContain('redirect 303 /admin');
  });
});
