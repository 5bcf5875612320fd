import { sql } from 'kysely';
import type { Database } from '../../../db/database.ts';
import type { BookImport, BookImportOutcome } from '../../../db/schema/imports.ts';

/** SQL of ZIP imports (book_imports): the row a progress page follows and a re-run resumes from. */
export class BookImportsRepository {
  constructor(private readonly db: Database) {}

  async create(
    values: { libraryId: number; originalName: string; zipKey: string; lang: string; createdBy: number | null },
    db: Database = this.db,
  ): Promise<number> {
    const row = await db
      .insertInto('book_imports')
      .values({
        library_id: values.libraryId,
        original_name: values.originalName,
        zip_key: values.zipKey,
        lang: values.lang,
        created_by: values.createdBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async findById(id: number): Promise<BookImport | undefined> {
    return this.db.selectFrom('book_imports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async start(id: number, total: number): Promise<void> {
    await this.db.updateTable('book_imports').set({ status: 'running', total, updated_at: new Date() }).where('id', '=', id).execute();
  }

  /** Appends one file's outcome; `done` counts them (a resumed run appends only the files it did). */
  async addOutcome(id: number, outcome: BookImportOutcome): Promise<void> {
    await this.db
      .updateTable('book_imports')
      .set({
        outcomes: sql`outcomes || ${JSON.stringify([outcome])}::jsonb`,
        done: sql`done + 1`,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
  }

  async finish(id: number, result: { status: 'done' } | { status: 'failed'; error: string }): Promise<void> {
    const now = new Date();
    await this.db
      .updateTable('book_imports')
      .set({ status: result.status, error: result.status === 'failed' ? result.error : null, finished_at: now, updated_at: now })
      .where('id', '=', id)
      .execute();
  }
}
