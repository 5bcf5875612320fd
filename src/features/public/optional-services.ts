import type { Request } from 'express';
import type { AppContext } from '../../context.ts';
import { translator, type Lang } from '../../http/i18n/index.ts';
import type { PublishGate } from '../catalogue/books/publish-gate.ts';
import { rightsStatementText } from '../consent/view-helpers.ts';
import { currentLocation } from '../locations/location-context.ts';
import type { ReaderEvent } from '../stats/events.ts';

/**
 * What the readers' site asks of other features (statistics, consent, locations), in one place,
 * so that a failure there never breaks reading: statistics are fire-and-forget, a missing rights
 * statement falls back to the library's general one.
 */

export type { ReaderEvent };

/** Never throws and never waits: statistics must not slow down or break reading. */
export function recordEvent(ctx: AppContext, event: ReaderEvent, req?: Request): void {
  try {
    ctx.services.events.record(event, req);
  } catch (err) {
    ctx.log.warn({ err }, 'event not recorded');
  }
}

/** Whether reading apps and the Download button may get the file (consent feature). */
export function publishGate(ctx: AppContext): PublishGate {
  return ctx.services.publishGate;
}

/** The place named on the QR code the visitor scanned (locations feature), or null. */
export function currentLocationName(req: Request): string | null {
  return currentLocation(req)?.name || null;
}

/** The book's rights statement (consent feature); null → the page shows the library's general one. */
export async function rightsStatement(ctx: AppContext, bookId: number, lang: Lang): Promise<string | null> {
  try {
    return rightsStatementText(await ctx.services.rightsStatement.statement(bookId), translator(lang));
  } catch (err) {
    ctx.log.warn({ err, bookId }, 'rights statement unavailable');
    return null;
  }
}
