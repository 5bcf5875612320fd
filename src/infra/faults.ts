/**
 * Infrastructure failures that deserve an honest, specific answer instead of a 500: the database is
 * unreachable (503, "try again in a moment") or the disk is full (507, "tell the administrator").
 * Recognised by their codes, never by showing their text: that text names hosts, ports and paths.
 */

/** PostgreSQL SQLSTATE classes/codes and socket errors that mean "the database is not there right now". */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
const SOCKET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
/** node-postgres and pg-pool raise these as plain Errors without a code. */
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly)/;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (PG_UNAVAILABLE.has(code) || SOCKET_UNAVAILABLE.has(code))) return true;
    if (e instanceof Error && PG_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** ENOSPC (no space left) or EDQUOT (quota exceeded), anywhere in the cause chain. */
export function isDiskFull(err: unknown): boolean {
  return causes(err).some((e) => {
    const code = (e as { code?: unknown }).code;
    // 53100: PostgreSQL's own disk_full (could not extend a file).
    return code === 'ENOSPC' || code === 'EDQUOT' || code === '53100';
  });
}

/** The error, its `cause`s and an AggregateError's members (Node's connect() raises one per address). */
function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  const queue = [err];
  while (queue.length && out.length < 20) {
    const e = queue.shift();
    if (!e || typeof e !== 'object') continue;
    out.push(e);
    if ('cause' in e) queue.push((e as { cause?: unknown }).cause);
    if (e instanceof AggregateError) queue.push(...(e.errors as unknown[]));
  }
  return out;
}
