/** Tables owned by libraries (express-session store, rate limiter); typed so queries on them stay checked. */
export interface SessionTable {
  sid: string;
  sess: unknown;
  expire: Date;
}

export interface LoginRateLimitsTable {
  key: string;
  points: number;
  expire: string | null;
}
