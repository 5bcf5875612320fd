import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../src/db/schema/users.ts';
import { registerConsentJobs } from '../../../src/features/consent/consent.jobs.ts';
import { EXPIRY_JOB } from '../../../src/features/consent/expiry.service.ts';
import { addDays, libraryDate, libraryDayStart } from '../../../src/infra/calendar.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { draftBook, indexPresence, publishAndIndex, recordConsent } from '../../helpers/consent-fixtures.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

// 23:00 in Hà Nội on 30 June 2025.
const clock = new ManualClock(new Date('2025-06-30T16:00:00Z'));
let env: TestEnv;
let librarian: { agent: Agent; csrf: string; user: User };
beforeAll(async () => {
  env = await createTestEnv({ clock });
  librarian = await signInAs(env.app, env.ctx, 'librarian');
});
afterAll(() => env.cleanup());

describe('daily consent expiry (injected clock)', () => {
  it('expires consents after their last day, withdraws the books they supported, and shows librarians what is coming', async () => {
    const endsToday = await draftBook(env.ctx, 'Sách hết hạn 30/6');
    const c1 = await recordConsent(
      env.ctx,
      endsToday,
      { holder: 'Tác giả A', grantedOn: '2024-07-01', endsOn: '2025-06-30' },
      librarian.user,
    );
    await publishAndIndex(env.ctx, endsToday, librarian.user);
    const endsLater = await draftBook(env.ctx, 'Sách hết hạn 20/7');
    await recordConsent(env.ctx, endsLater, { holder: 'Tác giả B', grantedOn: '2024-07-01', endsOn: '2025-07-20' }, librarian.user);
    await publishAndIndex(env.ctx, endsLater, librarian.user);
    const noEnd = await draftBook(env.ctx, 'Sách không thời hạn');
    await recordConsent(env.ctx, noEnd, { holder: 'Tác giả C', grantedOn: '2024-07-01' }, librarian.user);
    await publishAndIndex(env.ctx, noEnd, librarian.user);

    // The librarians' dashboard (admin home) lists consents ending within 30 days.
    const dashboard = await librarian.agent.get('/admin').expect(200);
    expect(dashboard.text).toContain('Sự đồng ý sắp hết hạn (trong 30 ngày)');
    expect(dashboard.text).toContain('Sách hết hạn 30/6');
    expect(dashboard.text).toContain('Hết hạn hôm nay');
    expect(dashboard.text).toContain('Sách hết hạn 20/7');
    expect(dashboard.text).toContain('Còn 20 ngày');
    expect(dashboard.text).not.toContain('Sách không thời hạn');

    // 23:00 on the last day: still valid.
    expect((await env.ctx.services.consentExpiry.run()).expired).toEqual([]);
    expect((await request(env.app).get(`/sach/${endsToday}`).redirects(2)).status).toBe(200);

    // 00:05 the next morning (Hà Nội): the daily run expires it and takes the book down.
    clock.set(new Date('2025-06-30T17:05:00Z'));
    const result = await env.ctx.services.consentExpiry.run();
    expect(result).toEqual({ today: '2025-07-01', expired: [c1], withdrawn: [endsToday] });
    const gone = await request(env.app).get(`/doc/${endsToday}`).expect(410);
    expect(gone.headers['cache-control']).toBe('no-store');
    expect(gone.text).toContain('Thời hạn chủ sở hữu quyền cho phép chia sẻ cuốn sách này đã kết thúc');
    expect(await indexPresence(env.ctx, endsToday)).toEqual({ book: false, pages: 0 });
    expect((await env.ctx.services.consent.get(c1)).consent).toMatchObject({ status: 'expired' });
    expect((await request(env.app).get(`/sach/${endsLater}`).redirects(2)).status).toBe(200);
    expect((await request(env.app).get(`/sach/${noEnd}`).redirects(2)).status).toBe(200);

    // Running again the same day changes nothing.
    expect((await env.ctx.services.consentExpiry.run()).expired).toEqual([]);
    const audit = await env.ctx.services.audit.list({ entity: 'consent', entityId: c1, limit: 10 });
    expect(audit.map((a) => a.action)).toContain('consent.expired');
    expect(audit.find((a) => a.action === 'consent.expired')).toMatchObject({
      actor_id: null,
      before: expect.objectContaining({ status: 'granted' }),
      after: expect.objectContaining({ status: 'expired' }),
    });
  });

  it('runs as a durable job that schedules itself for the next day, once per day', async () => {
    // The job queue runs on the database's clock, so this test lives in real time: a consent that
    // ends today, then the library clock moved to tomorrow morning for the run.
    const realNow = new Date();
    clock.set(realNow);
    const today = libraryDate(realNow);
    const id = await draftBook(env.ctx, 'Sách hết hạn hôm nay thật');
    await recordConsent(env.ctx, id, { holder: 'Tác giả D', grantedOn: addDays(today, -30), endsOn: today }, librarian.user);
    await publishAndIndex(env.ctx, id, librarian.user);
    clock.set(new Date(libraryDayStart(addDays(today, 1)).getTime() + 5 * 60_000));
    const tomorrow = addDays(today, 1);

    await registerConsentJobs(env.ctx); // what the server does at start: run today's pass, queue tomorrow's
    await env.ctx.services.consentExpiry.ensureScheduled(); // a second process starting adds nothing
    const scheduled = () =>
      env.ctx.db.selectFrom('jobs').select(['dedupe_key', 'run_at', 'status']).where('type', '=', EXPIRY_JOB).orderBy('run_at').execute();
    expect((await scheduled()).map((j) => [j.dedupe_key, j.status])).toEqual([
      [`${EXPIRY_JOB}:${tomorrow}`, 'queued'],
      [`${EXPIRY_JOB}:${addDays(tomorrow, 1)}`, 'queued'],
    ]);
    expect((await scheduled())[1].run_at.toISOString()).toBe(
      new Date(libraryDayStart(addDays(tomorrow, 1)).getTime() + 5 * 60_000).toISOString(),
    );

    while ((await env.ctx.jobs.runDueJobs()) > 0) await env.ctx.jobs.idle();
    expect((await scheduled()).map((j) => [j.dedupe_key, j.status])).toEqual([
      [`${EXPIRY_JOB}:${tomorrow}`, 'succeeded'],
      [`${EXPIRY_JOB}:${addDays(tomorrow, 1)}`, 'queued'],
    ]);
    expect((await env.ctx.db.selectFrom('books').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('withdrawn');
    expect((await request(env.app).get(`/sach/${id}`).redirects(2)).status).toBe(410);
  });
});
