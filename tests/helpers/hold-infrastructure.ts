/**
 * Starts the embedded services the way a command-line tool does (role 'cli'), prints "ready",
 * and stops them when its stdin closes: a stand-in for a long `npm run import` in lifecycle tests.
 */
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { startInfrastructure } from '../../src/infra/runtime.ts';

const infra = await startInfrastructure(loadConfig(), createLogger('warn'), { search: false });
console.log('ready');
process.stdin.resume();
process.stdin.on('end', () => {
  void infra.stop().then(() => process.exit(0));
});
