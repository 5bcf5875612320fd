/**
 * location_key values of the statistics tables that are not a place's id: shared by the rollup
 * SQL, the dashboard's filters and its views (which must not import the repository for them).
 */

/** The site-wide visitor set (see StatsDailyVisitorsTable). */
export const SITE_KEY = -2;
/** Events whose visit did not start at a QR poster (origin 'direct'). */
export const DIRECT_KEY = 0;
/** Events whose visit started at a poster that is no longer active (origin 'inactive'). */
export const INACTIVE_KEY = -1;
