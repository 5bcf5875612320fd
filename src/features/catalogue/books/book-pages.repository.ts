import { sql } from 'kysely';
import type { Database } from '../../../db/database.ts';

export interface PageText {
  pageNumber: number;
  text: string;
  /** The text as pdf.js gave it, when `text` was converted from a legacy encoding. */
  rawText?: string | null;
}

/** Per-page text of books. Writes are upserts so a re-run ingest (after a crash) never duplicates a page. */
export class BookPagesRepository {
  constructor(private readonly db: Database) {}

  async upsert(bookId: number, pages: PageText[], db: Database = this.db): Promise<void> {
    if (pages.length === 0) return;
    await db
      .insertInto('book_pages')
      .values(
        pages.map((p) => ({
          book_id: bookId,
          page_number: p.pageNumber,
          text: stripNul(p.text),
          raw_text: p.rawText == null ? null : stripNul(p.rawText),
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['book_id', 'page_number'])
          .doUpdateSet({ text: (eb) => eb.ref('excluded.text'), raw_text: (eb) => eb.ref('excluded.raw_text') }),
      )
      .execute();
  }

  /** Removes pages beyond the page count (a replaced file with fewer pages). */
  async deleteAfter(bookId: number, lastPage: number, db: Database = this.db): Promise<void> {
    await db.deleteFrom('book_pages').where('book_id', '=', bookId).where('page_number', '>', lastPage).execute();
  }

  range(bookId: number, fromPage: number, limit: number): Promise<Array<{ page_number: number; text: string }>> {
    return this.db
      .selectFrom('book_pages')
      .select(['page_number', 'text'])
      .where('book_id', '=', bookId)
      .where('page_number', '>=', fromPage)
      .orderBy('page_number')
      .limit(limit)
      .execute();
  }

  async stats(bookId: number): Promise<{ pages: number; distinct: number; maxPage: number | null }> {
    const r = await this.db
      .selectFrom('book_pages')
      .select([
        (eb) => eb.fn.countAll<number>().as('pages'),
        sql<number>`count(distinct page_number)`.as('distinct'),
        (eb) => eb.fn.max('page_number').as('maxPage'),
      ])
      .where('book_id', '=', bookId)
      .executeTakeFirstOrThrow();
    return { pages: Number(r.pages), distinct: Number(r.distinct), maxPage: r.maxPage === null ? null : Number(r.maxPage) };
  }

  find(bookId: number, pageNumber: number): Promise<{ text: string; raw_text: string | null } | undefined> {
    return this.db
      .selectFrom('book_pages')
      .select(['text', 'raw_text'])
      .where('book_id', '=', bookId)
      .where('page_number', '=', pageNumber)
      .executeTakeFirst();
  }
}

/** PostgreSQL text cannot hold U+0000, which broken PDFs do produce. */
const stripNul = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '') : s);
