import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_catalogue.ts';
import * as m0003 from './0003_catalogue_extras.ts';
import * as m0004 from './0004_consent.ts';
import * as m0005 from './0005_locations_stats.ts';
import * as m0006 from './0006_reader.ts';
import * as m0007 from './0007_privacy.ts';
import * as m0009 from './0009_pdf_limits.ts';
import * as m0010 from './0010_book_requests.ts';
import * as m0012 from './0012_ocr.ts';
import * as m0013 from './0013_sharing.ts';
import * as m0014 from './0014_libraries.ts';
import * as m0015 from './0015_shared_catalogue.ts';
import * as m0016 from './0016_city_stats.ts';
import * as m0017 from './0017_category_redirects_per_library.ts';
import * as m0018 from './0018_search_category_keys.ts';
import * as m0019 from './0019_stats_monthly_library.ts';

/**
 * Every migration, in order. Listed explicitly (not discovered from the folder) so bundlers and
 * tsx cannot change what runs. Never edit a migration that has landed: add a new one.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_catalogue': m0002,
  '0003_catalogue_extras': m0003,
  '0004_consent': m0004,
  '0005_locations_stats': m0005,
  '0006_reader': m0006,
  '0007_privacy': m0007,
  '0009_pdf_limits': m0009,
  '0010_book_requests': m0010,
  '0012_ocr': m0012,
  '0013_sharing': m0013,
  '0014_libraries': m0014,
  '0015_shared_catalogue': m0015,
  '0016_city_stats': m0016,
  '0017_category_redirects_per_library': m0017,
  '0018_search_category_keys': m0018,
  '0019_stats_monthly_library': m0019,
};
