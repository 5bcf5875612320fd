import type { BookRightsRepository } from './book-rights.repository.ts';

/** On what basis a public book is shared; view-helpers.ts rightsStatementText says it in words. */
export interface RightsStatement {
  kind: 'consent' | 'public_domain' | 'open_licence';
  licenceName: string | null;
  licenceUrl: string | null;
}

/** The short statement under a public book ("shared free, non-commercially, with the author's consent"…). */
export class RightsStatementService {
  constructor(private readonly bookRights: BookRightsRepository) {}

  async statement(bookId: number): Promise<RightsStatement> {
    const basis = await this.bookRights.getBasis(bookId);
    if (basis?.basis === 'public_domain') return { kind: 'public_domain', licenceName: null, licenceUrl: null };
    if (basis?.basis === 'open_licence') return { kind: 'open_licence', licenceName: basis.licence_name, licenceUrl: basis.licence_url };
    return { kind: 'consent', licenceName: null, licenceUrl: null };
  }
}
