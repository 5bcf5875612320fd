import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginLimits {
  perIpPoints: number;
  perAccountPoints: number;
  windowSeconds: number;
  blockSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perIpPoints: 30, perAccountPoints: 5, windowSeconds: 15 * 60, blockSeconds: 15 * 60 };

/**
 * Failed sign-ins are counted per IP address and per account, in PostgreSQL so that limits hold
 * across restarts and processes. A blocked key answers "try again in N minutes".
 */
export class LoginLimiter {
  private readonly byIp: RateLimiterPostgres;
  private readonly byAccount: RateLimiterPostgres;

  constructor(pool: pg.Pool, limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    const common = {
      storeClient: pool,
      storeType: 'pool',
      tableName: 'login_rate_limits',
      tableCreated: true,
      duration: limits.windowSeconds,
      blockDuration: limits.blockSeconds,
    };
    this.byIp = new RateLimiterPostgres({ ...common, keyPrefix: 'login_ip', points: limits.perIpPoints });
    this.byAccount = new RateLimiterPostgres({ ...common, keyPrefix: 'login_account', points: limits.perAccountPoints });
  }

  /** Seconds to wait once either key has used all its attempts, else 0. */
  async blockedFor(ip: string, email: string): Promise<number> {
    const [a, b] = await Promise.all([this.byIp.get(ip), this.byAccount.get(email.toLowerCase())]);
    const wait = (r: RateLimiterRes | null, max: number) => (r && r.consumedPoints >= max ? Math.ceil(r.msBeforeNext / 1000) : 0);
    return Math.max(wait(a, this.byIp.points), wait(b, this.byAccount.points));
  }

  async recordFailure(ip: string, email: string): Promise<void> {
    // consume() rejects once the limit is passed; that rejection is the block itself, not an error.
    await Promise.all([this.byIp.consume(ip).catch(ignoreLimit), this.byAccount.consume(email.toLowerCase()).catch(ignoreLimit)]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.byAccount.delete(email.toLowerCase());
  }
}

function ignoreLimit(err: unknown): void {
  if (!(err instanceof RateLimiterRes)) throw err;
}
