import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../infra/logger.ts';
import { LocationsRepository } from '../locations/locations.repository.ts';
import { LocationsService } from '../locations/locations.service.ts';
import { DailySalts } from './daily-salts.ts';
import { EventsRepository } from './events.repository.ts';
import { DEFAULT_EVENTS_OPTIONS, EventsService, type EventsOptions } from './events.service.ts';
import { ReadingCredits } from './reading-credits.ts';
import { ReadingCreditsRepository } from './reading-credits.repository.ts';
import { RollupRepository } from './rollup.repository.ts';
import { RollupService } from './rollup.service.ts';
import { StatsRepository } from './stats.repository.ts';
import { StatsService } from './stats.service.ts';
import { CityStatsRepository } from './city-stats.repository.ts';
import { CityStatsService } from './city-stats.service.ts';

/**
 * Builds the locations and statistics repositories and services, so that AppContext wires them
 * with one call (context.ts is shared by every feature; this keeps our edit there to a few lines).
 */
export function createLocationsAndStats(deps: {
  db: Database;
  jobs: JobsRepository;
  clock: Clock;
  log: Logger;
  events?: Partial<EventsOptions>;
}) {
  const { db, clock, log } = deps;
  const locationsRepo = new LocationsRepository(db);
  const eventsRepo = new EventsRepository(db, deps.jobs);
  const locations = new LocationsService(locationsRepo, clock);
  const salts = new DailySalts(eventsRepo, clock);
  const events = new EventsService(
    eventsRepo,
    salts,
    { locations: (codes) => eventsRepo.locationsByCodes(codes), defaultLibrary: () => eventsRepo.defaultLibraryId() },
    clock,
    log.child({ component: 'events' }),
    {
      ...DEFAULT_EVENTS_OPTIONS,
      ...deps.events,
    },
  );
  const rollupRepo = new RollupRepository(db);
  const statsRepo = new StatsRepository(db);
  const readingCreditsRepo = new ReadingCreditsRepository(db);
  const rollup = new RollupService(rollupRepo, salts, clock, log.child({ component: 'rollup' }), (day) =>
    readingCreditsRepo.deleteBefore(day),
  );
  const stats = new StatsService(statsRepo, locationsRepo, events, rollup, clock, log.child({ component: 'stats' }));
  return {
    repos: { locations: locationsRepo, events: eventsRepo, rollup: rollupRepo, stats: statsRepo },
    services: {
      locations,
      events,
      rollup,
      stats,
      cityStats: new CityStatsService(new CityStatsRepository(db), stats),
      dailySalts: salts,
      readingCredits: new ReadingCredits(readingCreditsRepo, salts, clock),
    },
  };
}

type Parts = ReturnType<typeof createLocationsAndStats>;
export type LocationsStatsRepos = Parts['repos'];
export type LocationsStatsServices = Parts['services'];
