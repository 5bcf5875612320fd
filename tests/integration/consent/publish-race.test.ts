import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import { draftBook, recordConsent } from '../../helpers/consent-fixtures.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

// 10:00 in Hà Nội on 15 June 2025.
const clock = new ManualClock(new Date('2025-06-15T03:00:00Z'));
let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ clock });
});
afterAll(() => env.cleanup());

const status = async (id: number) =>
  (await env.ctx.db.selectFrom('books').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

describe('publish against revoke and expiry', () => {
  it(
    'never ends with a published book lacking valid consent, however publish and revoke interleave (30 races)',
    { timeout: 300_000 },
    async () => {
      const outcomes = { published: 0, blocked: 0 };
      for (let round = 0; round < 30; round++) {
        const bookId = await draftBook(env.ctx, `Sách đua ${round}`, 1);
        const consentId = await recordConsent(env.ctx, bookId, { holder: `Tác giả đua ${round}` });
        // Stagger the start a little differently each round, so both orders (and overlaps) occur.
        const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
        const [publish, revoke] = await Promise.allSettled([
          delay(round % 3).then(() => env.ctx.services.books.publish(bookId, null)),
          delay((round + 1) % 3).then(() => env.ctx.services.consent.revoke(consentId, 'Tác giả rút lại.', null)),
        ]);
        expect(revoke.status, `round ${round}: revoke`).toBe('fulfilled');
        if (publish.status === 'fulfilled') outcomes.published++;
        else {
          expect(publish.reason, `round ${round}`).toMatchObject({ status: 409, code: 'publish_blocked' });
          outcomes.blocked++;
        }
        // Immediately, without the backup job: the gate says no, so the book must not be public.
        const gate = await env.ctx.services.publishGate.check(bookId);
        expect(gate.allowed).toBe(false);
        expect(await status(bookId), `round ${round}`).not.toBe('published');
        // A publish that went through was audited in its own transaction, and so was the takedown.
        const actions = (await env.ctx.services.audit.list({ bookId, limit: 50 })).map((a) => a.action);
        if (publish.status === 'fulfilled')
          expect(actions).toEqual(expect.arrayContaining(['book.published', 'book.withdrawn', 'book.takedown']));
        else expect(actions).not.toContain('book.published');
      }
      console.info(`[publish race] publish first then taken down: ${outcomes.published}, refused by the gate: ${outcomes.blocked}`);
    },
  );

  it('writes the audit row in the publishing transaction: if it cannot be written, the book stays a draft', async () => {
    const bookId = await draftBook(env.ctx, 'Sách không ghi được nhật ký');
    await recordConsent(env.ctx, bookId, { holder: 'Tác giả nhật ký' });
    const services = env.ctx.services as { bookEvents: { onStatusChange: (...a: unknown[]) => Promise<void> } };
    const original = services.bookEvents.onStatusChange;
    services.bookEvents.onStatusChange = async () => {
      throw new Error('audit table unavailable');
    };
    try {
      await expect(env.ctx.services.books.publish(bookId, null)).rejects.toThrow('audit table unavailable');
    } finally {
      services.bookEvents.onStatusChange = original;
    }
    expect(await status(bookId)).toBe('draft');
    await env.ctx.services.books.publish(bookId, null);
    expect(await status(bookId)).toBe('published');
    const actions = (await env.ctx.services.audit.list({ bookId, limit: 50 })).map((a) => a.action);
    expect(actions.filter((a) => a === 'book.published')).toHaveLength(1);
  });

  it('an expiry run racing a publish never leaves the book published on an expired consent', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) {
      const bookId = await draftBook(env.ctx, `Sách hết hạn ${i}`, 1);
      await recordConsent(env.ctx, bookId, { holder: `Tác giả hết hạn ${i}`, endsOn: '2025-06-30' });
      ids.push(bookId);
    }
    clock.set(new Date('2025-07-01T03:00:00Z'));
    try {
      await Promise.allSettled([env.ctx.services.consentExpiry.run(), ...ids.map((id) => env.ctx.services.books.publish(id, null))]);
      for (const id of ids) expect(await status(id)).not.toBe('published');
    } finally {
      clock.set(new Date('2025-06-15T03:00:00Z'));
    }
  });
});
