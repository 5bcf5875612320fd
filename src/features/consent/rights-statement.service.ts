import { translator, type Lang } from '../../http/i18n/index.ts';
import type { BookRightsRepository } from './book-rights.repository.ts';

export interface RightsStatement {
  kind: 'consent' | 'public_domain' | 'open_licence';
  text: string;
  licenceName: string | null;
  licenceUrl: string | null;
}

/** The short statement under a public book ("shared free, non-commercially, with the author's consent"…). */
export class RightsStatementService {
  constructor(private readonly bookRights: BookRightsRepository) {}

  async statement(bookId: number, lang: Lang): Promise<RightsStatement> {
    const t = translator(lang);
    const basis = await this.bookRights.getBasis(bookId);
    if (basis?.basis === 'public_domain')
      return { kind: 'public_domain', text: t('consent.statement.publicDomain'), licenceName: null, licenceUrl: null };
    if (basis?.basis === 'open_licence') {
      return {
        kind: 'open_licence',
        text: t('consent.statement.openLicence', { licence: basis.licence_name ?? '' }),
        licenceName: basis.licence_name,
        licenceUrl: basis.licence_url,
      };
    }
    return { kind: 'consent', text: t('consent.statement.consent'), licenceName: null, licenceUrl: null };
  }

  /** The reader site's hook (features/public/optional-services.ts): the sentence only. */
  async forBook(bookId: number, lang: Lang): Promise<string | null> {
    return (await this.statement(bookId, lang)).text;
  }
}
