import fs from 'node:fs';
import path from 'node:path';

/**
 * Loads an optional `.env` file with Node's own parser (no dependency needed).
 * Variables already set in the environment win, as with every dotenv tool.
 */
export function loadDotEnv(cwd = process.cwd()): void {
  const file = path.join(cwd, '.env');
  if (fs.existsSync(file)) process.loadEnvFile(file);
}
