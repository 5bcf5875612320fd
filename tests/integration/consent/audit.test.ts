import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import { withStaff } from '../../helpers/auth.ts';
import { draftBook, publishAndIndex, recordConsent } from '../../helpers/consent-fixtures.ts';

const clock = new ManualClock(new Date('2025-06-15T03:00:00Z'));
const t = withStaff(clock);

describe('audit log', () => {
  it('records who, when and what (before/after) for consent and publication changes', async () => {
    const { user } = t.staff.librarian;
    const id = await draftBook(t.env.ctx, 'Sách được kiểm toán');
    clock.set(new Date('2025-06-15T03:10:00Z'));
    const consentId = await recordConsent(t.env.ctx, id, { holder: 'Tác giả Kiểm Toán' }, user);
    await publishAndIndex(t.env.ctx, id, user);
    clock.set(new Date('2025-06-16T08:00:00Z'));
    await t.env.ctx.services.consent.revoke(consentId, 'Tác giả đề nghị gỡ.', user);

    const entries = (await t.env.ctx.services.audit.list({ bookId: id, limit: 50 })).reverse();
    expect(entries.map((e) => e.action)).toEqual(
      [
        'rights_holder.created',
        'book_rights.holder_added',
        'consent.created',
        'book.published',
        'consent.revoked',
        'book.withdrawn',
        'book.takedown',
      ].filter((a) => a !== 'rights_holder.created'),
    ); // a holder is not tied to one book
    const revoked = entries.find((e) => e.action === 'consent.revoked')!;
    expect(revoked).toMatchObject({
      actor_id: user.id,
      actor_name: user.display_name,
      entity: 'consent',
      entity_id: consentId,
      reason: 'Tác giả đề nghị gỡ.',
    });
    expect(revoked.occurred_at.toISOString()).toBe('2025-06-16T08:00:00.000Z');
    expect(revoked.before).toMatchObject({ status: 'granted', holder: 'Tác giả Kiểm Toán' });
    expect(revoked.after).toMatchObject({ status: 'revoked', revokedReason: 'Tác giả đề nghị gỡ.' });
    expect(entries.find((e) => e.action === 'book.published')).toMatchObject({
      actor_id: user.id,
      before: { status: 'draft' },
      after: { status: 'published' },
    });
    expect(entries.find((e) => e.action === 'book.withdrawn')).toMatchObject({
      before: { status: 'published' },
      after: { status: 'withdrawn' },
      reason: expect.stringContaining(`#${consentId}`),
    });
    const holderEntry = await t.env.ctx.services.audit.list({ entity: 'rights_holder', limit: 5 });
    expect(holderEntry[0]).toMatchObject({
      action: 'rights_holder.created',
      after: expect.objectContaining({ name: 'Tác giả Kiểm Toán' }),
    });
  });

  it('cannot be edited or deleted, even directly in the database', async () => {
    const [row] = await t.env.ctx.services.audit.list({ limit: 1 });
    expect(row).toBeDefined();
    await expect(sql`update audit_log set action = 'forged' where id = ${row.id}`.execute(t.env.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where id = ${row.id}`.execute(t.env.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_log`.execute(t.env.ctx.db)).rejects.toThrow(/append-only/);
    const again = await t.env.ctx.db.selectFrom('audit_log').select(['action']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(again.action).toBe(row.action);
  });

  it('has a read-only admin page that filters, and no route that changes an entry', async () => {
    const { agent, csrf } = t.staff.admin;
    const all = await agent.get('/admin/audit').expect(200);
    expect(all.text).toContain('consent.revoked');
    expect(all.text).toContain('book.published');
    const bookId = (await t.env.ctx.services.audit.list({ action: 'consent.revoked', limit: 1 }))[0].book_id;
    const filtered = await agent.get(`/admin/audit?action=consent.revoked&book=${bookId}`).expect(200);
    expect(filtered.text).toContain('consent.revoked');
    expect(filtered.text).not.toContain('<code>book.published</code>');
    // The book filter is a picker of the books the log mentions; a picked "Title · #id" filters the same.
    const title = (await t.env.ctx.repos.books.findById(bookId!))!.title;
    expect(all.text).toContain(`<option value="${title} · #${bookId}"></option>`);
    const picked = await agent.get(`/admin/audit?action=consent.revoked&book=${encodeURIComponent(`${title} · #${bookId}`)}`).expect(200);
    expect(picked.text).toContain('consent.revoked');
    expect(picked.text).not.toContain('<code>book.published</code>');
    expect(picked.text).toContain(`value="${title} · #${bookId}"`);
    const byDay = await agent.get('/admin/audit?from=2025-06-16&until=2025-06-16').expect(200);
    expect(byDay.text).toContain('<code>consent.revoked</code>');
    expect(byDay.text).not.toContain('<code>consent.created</code>');
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const res = await agent[method]('/admin/audit/1').set('x-csrf-token', csrf);
      expect(res.status, method).toBe(404);
    }
    expect(
      t.env.app.adminRouters
        .filter((r) => r.mountPath === '/admin/audit')
        .flatMap((r) => r.router.stack.filter((l) => l.route).map((l) => Object.keys((l.route as unknown as { methods: object }).methods))),
    ).toEqual([['get']]);
    await t.staff.librarian.agent.get('/admin/audit').expect(403);
    await t.staff.leader.agent.get('/admin/audit').expect(403);
  });
});
