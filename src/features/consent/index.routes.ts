import type { AppContext } from '../../context.ts';
import type { GuardedRouter } from '../../http/admin-routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { consentRecordRoutes } from './consent.routes.ts';
import { consentRegisterRoutes } from './register.routes.ts';
import { rightsHoldersRoutes } from './rights-holders.routes.ts';

/** Every consent admin router, in mount order (the register must come before /consents). */
export function consentRoutes(ctx: AppContext, registry: GuardedRouter[]): void {
  consentRegisterRoutes(ctx, registry);
  consentRecordRoutes(ctx, registry);
  rightsHoldersRoutes(ctx, registry);
  auditRoutes(ctx, registry);
}
