/** Who did something: a signed-in staff member, or null for the system (the daily expiry job). */
export interface Actor {
  id: number;
  display_name: string;
}
export type MaybeActor = Actor | null;

/** Why a book may (not) be published; codes become translated sentences in the gate. */
export type GateProblem =
  | { code: 'no_holders' }
  | { code: 'basis_incomplete'; basis: 'public_domain' | 'open_licence' }
  | { code: 'holder_missing'; holder: string; role: string }
  | { code: 'holder_pending'; holder: string; role: string }
  | { code: 'holder_revoked'; holder: string; role: string }
  | { code: 'holder_expired'; holder: string; role: string; date: string }
  | { code: 'holder_not_started'; holder: string; role: string; date: string };

export interface GateEvaluation {
  allowed: boolean;
  allowDownload: boolean;
  basis: 'consent' | 'public_domain' | 'open_licence';
  problems: GateProblem[];
}
