import crypto from 'node:crypto';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginLimits {
  perIpPoints: number;
  perAccountPoints: number;
  windowSeconds: number;
  blockSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perIpPoints: 30, perAccountPoints: 5, windowSeconds: 15 * 60, blockSeconds: 15 * 60 };

/** The secret that keys are hashed with; it rotates (the statistics' daily salt), see `LoginLimiter`. */
export type RotatingSecret = () => Promise<Buffer>;

/**
 * Sign-in attempts are counted per IP address and per account, in PostgreSQL so that limits hold
 * across restarts and processes.
 *
 * Every attempt spends a point BEFORE the password is verified, and a successful sign-in gets its
 * point back. Checking first and recording the failure after verification would let 200 parallel
 * attempts all pass the check before the first failure is written; spending first is one atomic
 * upsert per key, so the 6th concurrent attempt on an account is refused without verifying.
 *
 * Keys are HMACs of the address and the lower-cased email under a secret that changes every day
 * and is then deleted: the table never holds an IP address or email, and yesterday's keys can't be
 * linked to anyone. The price: counters restart at the change of day.
 */
export class LoginLimiter {
  private readonly byIp: RateLimiterPostgres;
  private readonly byAccount: RateLimiterPostgres;

  constructor(
    pool: pg.Pool,
    private readonly secret: RotatingSecret,
    limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {
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

  /**
   * Spends one attempt from the address and the account. Returns 0 when the attempt may go on,
   * else the seconds to wait (the attempt is refused without verifying the password).
   */
  async spend(ip: string, email: string): Promise<number> {
    const { ipKey, accountKey } = await this.keys(ip, email);
    const results = await Promise.allSettled([this.byIp.consume(ipKey), this.byAccount.consume(accountKey)]);
    let wait = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      // consume() rejects with the limiter's state once the limit is passed; anything else is a real error.
      if (!(r.reason instanceof RateLimiterRes)) throw r.reason;
      wait = Math.max(wait, Math.max(1, Math.ceil(r.reason.msBeforeNext / 1000)));
    }
    return wait;
  }

  /** A successful sign-in: the address gets its point back and the account's count starts over. */
  async succeeded(ip: string, email: string): Promise<void> {
    const { ipKey, accountKey } = await this.keys(ip, email);
    await Promise.all([this.byIp.reward(ipKey, 1), this.byAccount.delete(accountKey)]);
  }

  private async keys(ip: string, email: string): Promise<{ ipKey: string; accountKey: string }> {
    const secret = await this.secret();
    const mac = (kind: string, value: string) =>
      crypto.createHmac('sha256', secret).update(kind).update('\0').update(value).digest('base64url');
    return { ipKey: mac('ip', ip), accountKey: mac('account', email.trim().toLowerCase()) };
  }
}
