import { AppError } from './errors.ts';

export { isDatabaseUnavailable, isDiskFull } from '../infra/faults.ts';

/** 503 while the database is unreachable: a friendly "try again in a moment", never the driver's text. */
export const databaseUnavailable = (cause?: unknown) =>
  new AppError(503, 'database_unavailable', 'error.unavailable', {}, {}, { headers: { 'Retry-After': '30' } }, { cause });
/** 507 when the disk is full: the librarian is told to have space freed, nothing half-written stays. */
export const diskFull = (cause?: unknown) => new AppError(507, 'disk_full', 'error.diskFull', {}, {}, {}, { cause });
