import type {
  AuthorsTable,
  BookAuthorsTable,
  BookCategoriesTable,
  BookFilesTable,
  BookPagesTable,
  BooksTable,
  CategoriesTable,
  CategoryRedirectsTable,
} from './catalogue.ts';
import type {
  AuditLogTable,
  BookRightsBasisTable,
  BookRightsHoldersTable,
  BookTakedownsTable,
  ConsentEvidenceTable,
  ConsentRecordsTable,
  RightsHoldersTable,
} from './consent.ts';
import type { BookRequestPlacesTable, BookRequestSuggestionsTable, BookRequestsTable } from './book-requests.ts';
import type { BookImportsTable } from './imports.ts';
import type { JobsTable } from './jobs.ts';
import type { LoginRateLimitsTable, SessionTable } from './infra-tables.ts';
import type { LocationsTable } from './locations.ts';
import type { PasswordTokensTable } from './password-tokens.ts';
import type { BookOpenCountsTable } from './reader.ts';
import type {
  StatsDailyBooksTable,
  StatsDailySearchesTable,
  StatsDailySiteTable,
  StatsDailyTable,
  StatsDailyVisitorsTable,
  StatsEventsTable,
  StatsHourlyTable,
  StatsMonthlyBooksTable,
  StatsMonthlyLibraryTable,
  StatsMonthlySearchesTable,
  StatsRollupStateTable,
  StatsSaltsTable,
  ReadingCreditsTable,
} from './stats.ts';
import type { LibrariesTable, LibraryShelvesTable, LibraryStaffTable } from './libraries.ts';
import type { UsersTable } from './users.ts';

/** The Kysely database interface: one entry per table, each defined once in its own file. */
export interface DB {
  users: UsersTable;
  password_tokens: PasswordTokensTable;
  jobs: JobsTable;
  session: SessionTable;
  login_rate_limits: LoginRateLimitsTable;
  categories: CategoriesTable;
  book_files: BookFilesTable;
  books: BooksTable;
  book_pages: BookPagesTable;
  authors: AuthorsTable;
  book_authors: BookAuthorsTable;
  book_categories: BookCategoriesTable;
  category_redirects: CategoryRedirectsTable;
  book_open_counts: BookOpenCountsTable;
  book_imports: BookImportsTable;
  rights_holders: RightsHoldersTable;
  book_rights_holders: BookRightsHoldersTable;
  book_rights_basis: BookRightsBasisTable;
  consent_records: ConsentRecordsTable;
  consent_evidence: ConsentEvidenceTable;
  book_takedowns: BookTakedownsTable;
  audit_log: AuditLogTable;
  locations: LocationsTable;
  stats_events: StatsEventsTable;
  stats_salts: StatsSaltsTable;
  reading_credits: ReadingCreditsTable;
  stats_rollup_state: StatsRollupStateTable;
  stats_hourly: StatsHourlyTable;
  stats_daily: StatsDailyTable;
  stats_daily_site: StatsDailySiteTable;
  stats_daily_visitors: StatsDailyVisitorsTable;
  stats_daily_books: StatsDailyBooksTable;
  stats_daily_searches: StatsDailySearchesTable;
  stats_monthly_books: StatsMonthlyBooksTable;
  stats_monthly_searches: StatsMonthlySearchesTable;
  stats_monthly_library: StatsMonthlyLibraryTable;
  book_requests: BookRequestsTable;
  book_request_places: BookRequestPlacesTable;
  book_request_suggestions: BookRequestSuggestionsTable;
  libraries: LibrariesTable;
  library_staff: LibraryStaffTable;
  library_shelves: LibraryShelvesTable;
}
