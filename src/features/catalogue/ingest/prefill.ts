import type { Book } from '../../../db/schema/catalogue.ts';
import type { MetadataChange } from '../books/books.repository.ts';
import { cleanMetadataValue, languageCode, splitAuthors, splitTags } from '../catalogue-text.ts';
import type { ExtractedBook } from '../../../pdf/pdf-engine.ts';

/**
 * Pre-fills the form from the PDF's own metadata (title, author, subject, keywords, language),
 * but never a field a person already set (form or manifest: `edited_fields`), and never with
 * placeholders such as "Microsoft Word - sach.doc". Pure, so the rules are unit-tested.
 */
export function prefillFromPdf(
  book: Pick<Book, 'edited_fields' | 'description' | 'tags'>,
  hasAuthors: boolean,
  meta: ExtractedBook['metadata'],
): { change: MetadataChange; authors: string[] | null } {
  const edited = new Set(book.edited_fields);
  const change: MetadataChange = {};
  const title = cleanMetadataValue(meta.title, 300);
  if (title && !edited.has('title')) change.title = title;
  const description = cleanMetadataValue(meta.subject, 2000);
  if (description && !edited.has('description') && !book.description) change.description = description;
  const tags = splitTags(cleanMetadataValue(meta.keywords, 500));
  if (tags.length && !edited.has('tags') && book.tags.length === 0) change.tags = tags;
  const language = languageCode(meta.language);
  if (language && !edited.has('language')) change.language = language;
  const authors = !edited.has('authors') && !hasAuthors ? splitAuthors(meta.author) : [];
  return { change, authors: authors.length ? authors : null };
}
