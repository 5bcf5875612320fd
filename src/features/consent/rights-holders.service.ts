import type { Database } from '../../db/database.ts';
import type { BookHolderRole, HolderKind, RightsHolder } from '../../db/schema/consent.ts';
import { notFound } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditLog } from './audit.service.ts';
import type { BookRightsRepository } from './book-rights.repository.ts';
import type { ConsentRecordsRepository } from './consent-records.repository.ts';
import type { AddHolderInput, HolderInput } from './consent.schemas.ts';
import type { MaybeActor } from './consent.types.ts';
import type { RightsHoldersRepository } from './rights-holders.repository.ts';

const EMPTY_CONTACT = { phone: '', email: '', zalo: '', address: '', notes: '' };

/** The role a holder usually plays for a book, from what kind of holder they are. */
export function defaultRole(kind: HolderKind): BookHolderRole {
  return kind === 'organisation' ? 'publisher' : kind;
}

/** The kind of a holder first met in a given role (a new holder typed on the book page). */
export function kindForRole(role: BookHolderRole): HolderKind {
  return role === 'illustrator' || role === 'other' ? 'author' : role;
}

const snapshot = (h: RightsHolder) => ({
  name: h.name,
  kind: h.kind,
  phone: h.phone,
  email: h.email,
  zalo: h.zalo,
  address: h.address,
  notes: h.notes,
});

/** Rights holders and which books need their consent. */
export class RightsHoldersService {
  constructor(
    private readonly db: Database,
    private readonly holders: RightsHoldersRepository,
    private readonly bookRights: BookRightsRepository,
    private readonly consents: ConsentRecordsRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** Adds a holder to `libraryId`'s consent register. */
  async create(input: HolderInput, libraryId: number, actor: MaybeActor, db: Database = this.db): Promise<RightsHolder> {
    const run = async (trx: Database) => {
      const holder = await this.holders.insert(input, libraryId, actor?.id ?? null, trx);
      await this.audit.record(
        { actor, entity: 'rights_holder', entityId: holder.id, bookId: null, action: 'rights_holder.created', after: snapshot(holder) },
        trx,
      );
      return holder;
    };
    return db === this.db ? this.db.transaction().execute(run) : run(db);
  }

  /** Finds a holder by name (case-insensitive) or creates one with just a name and kind (bulk import, quick add). */
  async findOrCreate(
    name: string,
    kind: HolderKind,
    libraryId: number,
    actor: MaybeActor,
    db: Database,
  ): Promise<{ holder: RightsHolder; created: boolean }> {
    const existing = await this.holders.findByName(name, undefined, libraryId, db);
    if (existing) return { holder: existing, created: false };
    return { holder: await this.create({ name: name.trim(), kind, ...EMPTY_CONTACT }, libraryId, actor, db), created: true };
  }

  async update(id: number, input: HolderInput, actor: MaybeActor): Promise<RightsHolder> {
    return this.db.transaction().execute(async (trx) => {
      const before = await this.holders.findById(id, trx);
      if (!before) throw notFound();
      const after = (await this.holders.update(id, input, this.clock.now(), trx))!;
      await this.audit.record(
        {
          actor,
          entity: 'rights_holder',
          entityId: id,
          bookId: null,
          action: 'rights_holder.updated',
          before: snapshot(before),
          after: snapshot(after),
        },
        trx,
      );
      return after;
    });
  }

  async get(id: number): Promise<RightsHolder> {
    const holder = await this.holders.findById(id);
    if (!holder) throw notFound();
    return holder;
  }

  /** One library's consent register of holders. */
  list(libraryId: number, q?: string) {
    return this.holders.list({ libraryId, q, limit: 500 });
  }

  /** The holder page: the books they must consent for and every consent record they gave. */
  async page(id: number) {
    const holder = await this.get(id);
    const [books, consents] = await Promise.all([this.holders.booksOf(id), this.consents.listForHolder(id)]);
    return { holder, books, consents };
  }

  async addToBook(bookId: number, holderId: number, role: BookHolderRole, actor: MaybeActor, db: Database = this.db): Promise<void> {
    const run = async (trx: Database) => {
      const [book, holder] = await Promise.all([this.bookRights.findBook(bookId, trx), this.holders.findById(holderId, trx)]);
      if (!book || !holder) throw notFound();
      const previous = await this.bookRights.upsertHolder(bookId, holderId, role, trx);
      if (previous === role) return;
      await this.audit.record(
        {
          actor,
          entity: 'book_rights',
          entityId: bookId,
          bookId,
          action: previous ? 'book_rights.holder_role_changed' : 'book_rights.holder_added',
          before: previous ? { holderId, holder: holder.name, role: previous } : null,
          after: { holderId, holder: holder.name, role },
        },
        trx,
      );
    };
    return db === this.db ? this.db.transaction().execute(run) : run(db);
  }

  /** The book page's "add a rights holder" form: an existing holder, or a new one by name and kind. */
  async addRequiredHolder(bookId: number, input: AddHolderInput, actor: MaybeActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const libraryId = await this.holders.libraryOfBook(bookId, trx);
      if (libraryId === undefined) throw notFound();
      if (input.rightsHolderId !== undefined) {
        const chosen = await this.holders.findById(input.rightsHolderId, trx);
        if (!chosen || chosen.library_id !== libraryId) throw notFound(); // another library's register
      }
      const holderId =
        input.rightsHolderId ??
        (
          await this.create(
            { name: input.newHolderName, kind: input.newHolderKind || kindForRole(input.role), ...EMPTY_CONTACT },
            libraryId,
            actor,
            trx,
          )
        ).id;
      await this.addToBook(bookId, holderId, input.role, actor, trx);
    });
  }

  async removeFromBook(bookId: number, holderId: number, actor: MaybeActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const holder = await this.holders.findById(holderId, trx);
      const role = await this.bookRights.removeHolder(bookId, holderId, trx);
      if (!role || !holder) throw notFound();
      await this.audit.record(
        {
          actor,
          entity: 'book_rights',
          entityId: bookId,
          bookId,
          action: 'book_rights.holder_removed',
          before: { holderId, holder: holder.name, role },
          after: null,
        },
        trx,
      );
    });
  }
}
