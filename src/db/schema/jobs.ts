import type { ColumnType, Generated, JSONColumnType, Selectable } from 'kysely';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobsTable {
  id: Generated<number>;
  type: string;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  status: Generated<JobStatus>;
  priority: Generated<number>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_at: Generated<Date>;
  /** The claim is a lease: a worker that dies stops renewing it and the job is taken up again. */
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  /** Jobs with the same key are not queued twice while one is waiting or running. */
  dedupe_key: string | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
  finished_at: Date | null;
}

export type Job = Selectable<JobsTable>;
