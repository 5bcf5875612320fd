import type { AuthorsTable, BookAuthorsTable, BookCategoriesTable, BookFilesTable, BookPagesTable, BooksTable, CategoriesTable } from './catalogue.ts';
import type { JobsTable } from './jobs.ts';
import type { LoginRateLimitsTable, SessionTable } from './infra-tables.ts';
import type { PasswordTokensTable } from './password-tokens.ts';
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
}
