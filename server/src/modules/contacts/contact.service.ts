// Contacts of a customer. Whoever may see the customer in full sees all its contacts, whoever
// created them; edits follow the customer's edit rights.
import { personNameKey } from '../standards/index.ts';
import { Types, type AnyBulkWriteOperation } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { registerMessages } from '../../core/i18n.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import { revealMany, revealOne } from '../../core/auth/field-rules.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { diffFields } from '../audit/audit.service.ts';
import type { Customer } from '../customers/customer.model.ts';
import type { CustomerService, RequestMeta } from '../customers/customer.service.ts';
import { InputProblems } from '../customers/customer.input.ts';
import { birthdayKey, displayName, emailKey, normaliseEmail, normalisePhone, parseDate, searchTokens, type NormalisedPhone } from '../standards/index.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import { contactEncryptedPaths, type Contact, type ContactModel } from './contact.model.ts';
import { encryptedDocument } from '../../core/db/encrypted-fields.ts';

registerMessages({
  'zh-CN': { 'error.contact.stale': '该联系人已被他人修改，请刷新后再改' },
  en: { 'error.contact.stale': 'Someone else changed this contact meanwhile; reload it and edit again' },
});

const text = (max: number) => z.string().trim().max(max);

const contactFields = {
  name: text(50).min(1),
  position: text(50).nullable(),
  phones: z.array(text(40)).max(5),
  email: text(254).nullable(),
  birthday: z.union([text(20), z.number()]).nullable(),
  isPrimary: z.boolean(),
  leftCompany: z.boolean(),
  notes: text(1000).nullable(),
};

export const createContactBody = z
  .object({ ...contactFields, phones: contactFields.phones.default([]), isPrimary: z.boolean().default(false), leftCompany: z.boolean().default(false) })
  .partial({ position: true, email: true, birthday: true, notes: true })
  .strict();
export const updateContactBody = z
  .object({ ...contactFields, /** the version the editor read: a stale one answers CONFLICT (optional for the H5 app's quick edits) */ version: z.number().int().min(0) })
  .partial()
  .strict();

type ContactInput = Partial<z.infer<typeof updateContactBody>>;

const editable = ['name', 'position', 'phones', 'email', 'birthday', 'birthdayKey', 'isPrimary', 'leftCompany', 'notes'] as const;

/** Contact filters beyond their customer's (exports). */
export interface ContactWhere {
  isPrimary?: boolean;
  leftCompany?: boolean;
}

export interface ImportedContactInput {
  name: string;
  position?: string;
  phones: string[];
  email?: string;
}

function contactSearchTokens(contact: { name: string; phones: string[] }): string[] {
  const phones = contact.phones.map((p) => normalisePhone(p)).filter((p): p is NormalisedPhone => !!p);
  return searchTokens([contact.name], phones);
}

/** The keys a contact is found by: search tokens, and the blind index of its (encrypted) email. */
export function contactKeys(contact: { name: string; phones: string[]; email?: string | null }): { searchTokens: string[]; emailKey?: string } {
  return { searchTokens: contactSearchTokens(contact), ...(contact.email ? { emailKey: emailKey(contact.email) } : {}) };
}

/** What duplicate detection keeps of a customer's contact people: their names, phones and emails. */
function peopleKeys(people: Pick<Contact, 'name' | 'phones' | 'email'>[]): { names: string[]; phones: string[]; emails: string[] } {
  return {
    names: [...new Set(people.map((c) => c.name))],
    phones: [...new Set(people.flatMap((c) => c.phones))],
    emails: [...new Set(people.flatMap((c) => (c.email ? [c.email] : [])))],
  };
}

export class ContactService {
  private readonly deps: { contacts: ContactModel; customers: CustomerService; audit: AuditService; timeline: TimelineService; clock: Clock };

  constructor(deps: ContactService['deps']) {
    this.deps = deps;
  }

  private normalise(input: ContactInput, problems: InputProblems) {
    const out: Record<string, unknown> = {};
    if (input.name !== undefined) out.name = displayName(input.name);
    if (input.position !== undefined) out.position = input.position || null;
    if (input.notes !== undefined) out.notes = input.notes || null;
    if (input.isPrimary !== undefined) out.isPrimary = input.isPrimary;
    if (input.leftCompany !== undefined) out.leftCompany = input.leftCompany;
    if (input.phones !== undefined) {
      const phones: string[] = [];
      input.phones.forEach((raw, i) => {
        if (!raw) return;
        const phone = normalisePhone(raw);
        if (!phone) problems.add(`phones.${i}`, 'error.customer.invalidPhone');
        else if (!phones.includes(phone.value)) phones.push(phone.value);
      });
      out.phones = phones;
    }
    if (input.email !== undefined) {
      const email = input.email ? normaliseEmail(input.email) : null;
      if (input.email && !email) problems.add('email', 'error.customer.invalidEmail');
      out.email = email;
    }
    if (input.birthday !== undefined) {
      const date = input.birthday === null || input.birthday === '' ? null : parseDate(input.birthday);
      if (input.birthday !== null && input.birthday !== '' && !date) problems.add('birthday', 'error.customer.invalidDate');
      out.birthday = date;
      out.birthdayKey = date ? birthdayKey(date) : null;
    }
    return out;
  }

  /** A contact as the caller's field rules show it; `owner` is the owner of the contact's customer. */
  view(contact: Contact, scope: RequestScope, owner: Types.ObjectId | null) {
    return {
      id: contact._id.toHexString(),
      customerId: contact.customerId.toHexString(),
      name: contact.name,
      position: contact.position ?? null,
      phones: revealMany('contact.phones', contact.phones, scope.exposure('contact.phones', owner)),
      email: revealOne('contact.email', contact.email, scope.exposure('contact.email', owner)),
      birthday: contact.birthday ?? null,
      isPrimary: contact.isPrimary,
      leftCompany: contact.leftCompany,
      notes: contact.notes ?? null,
      createdAt: contact.createdAt,
      updatedAt: contact.updatedAt,
      version: contact.version ?? 0,
      externalIds: contact.externalIds ?? {},
    };
  }

  async list(scope: RequestScope, customerId: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const contacts = await this.deps.contacts
      .find({ customerId: customer._id, deletedAt: null })
      .sort({ isPrimary: -1, createdAt: 1 })
      .limit(500)
      .lean<Contact[]>();
    return { items: contacts.map((c) => this.view(c, scope, customer.ownerId)) };
  }

  async create(scope: RequestScope, customerId: string, input: z.infer<typeof createContactBody>, meta: RequestMeta) {
    scope.require('customer.edit');
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const problems = new InputProblems(meta.locale);
    const fields = this.normalise(input, problems);
    problems.throwIfAny();
    const now = this.deps.clock.now();
    const doc = {
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)),
      customerId: customer._id,
      ...contactKeys(fields as { name: string; phones: string[]; email?: string | null }),
      createdBy: new Types.ObjectId(scope.user.id),
      createdAt: now,
      updatedAt: now,
    };
    const contact = (await this.deps.contacts.create(doc)).toObject() as Contact;
    if (contact.isPrimary) await this.demoteOtherPrimaries(contact);
    await this.syncDedupe(customer._id);
    await this.deps.audit.record(scope, meta.client, [
      { action: 'contact.create', entity: 'contact', entityId: contact._id, customerId: customer._id },
    ]);
    await this.deps.timeline.append([
      { customerId: customer._id, type: 'contactAdded', actorId: scope.user.id, data: { contactId: contact._id.toHexString(), name: contact.name }, key: `contactAdded:${contact._id}` },
    ]);
    return this.view(contact, scope, customer.ownerId);
  }

  private async findForEdit(scope: RequestScope, id: string): Promise<{ contact: Contact; customer: Customer }> {
    scope.require('customer.edit');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const contact = await this.deps.contacts.findOne({ _id: new Types.ObjectId(id), deletedAt: null }).lean<Contact>();
    if (!contact) throw notFound();
    const customer = await this.deps.customers.requireFull(scope, contact.customerId); // NOT_FOUND outside the scope
    return { contact, customer };
  }

  async update(scope: RequestScope, id: string, input: ContactInput, meta: RequestMeta) {
    const { contact, customer } = await this.findForEdit(scope, id);
    const current = contact.version ?? 0;
    if (input.version !== undefined && input.version !== current) throw new AppError('CONFLICT', { messageKey: 'error.contact.stale' });
    const problems = new InputProblems(meta.locale);
    const fields = this.normalise(input, problems);
    problems.throwIfAny();
    const next = { ...contact, ...fields } as Contact & Record<string, unknown>;
    const changes = diffFields(contact as unknown as Record<string, unknown>, next, editable);
    if (changes.length === 0) return this.view(contact, scope, customer.ownerId);
    const set: Record<string, unknown> = { updatedAt: this.deps.clock.now(), searchTokens: contactSearchTokens(next) };
    const unset: Record<string, ''> = {};
    for (const { field, after } of changes) {
      if (after === null) unset[field] = '';
      else set[field] = after;
    }
    if (changes.some((c) => c.field === 'email')) {
      if (next.email) set.emailKey = emailKey(next.email);
      else unset.emailKey = '';
    }
    const updated = await this.deps.contacts
      .findOneAndUpdate(
        // the version read above: an edit that landed meanwhile makes this one CONFLICT, not overwrite it
        { _id: contact._id, deletedAt: null, version: contact.version === undefined ? { $exists: false } : current },
        { $set: { ...set, version: current + 1 }, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        { returnDocument: 'after' },
      )
      .lean<Contact>();
    if (!updated) {
      if (await this.deps.contacts.exists({ _id: contact._id, deletedAt: null })) throw new AppError('CONFLICT', { messageKey: 'error.contact.stale' });
      throw notFound();
    }
    if (updated.isPrimary && !contact.isPrimary) await this.demoteOtherPrimaries(updated);
    await this.syncDedupe(contact.customerId);
    await this.deps.audit.record(scope, meta.client, [
      { action: 'contact.update', entity: 'contact', entityId: contact._id, customerId: contact.customerId, changes },
    ]);
    await this.deps.timeline.append([
      {
        customerId: contact.customerId,
        type: 'contactUpdated',
        actorId: scope.user.id,
        data: { contactId: contact._id.toHexString(), name: updated.name, fields: changes.map((c) => c.field) },
      },
    ]);
    return this.view(updated, scope, customer.ownerId);
  }

  async remove(scope: RequestScope, id: string, meta: RequestMeta): Promise<void> {
    const { contact } = await this.findForEdit(scope, id);
    await this.deps.contacts.updateOne({ _id: contact._id, deletedAt: null }, { $set: { deletedAt: this.deps.clock.now() } });
    await this.syncDedupe(contact.customerId);
    await this.deps.audit.record(scope, meta.client, [
      { action: 'contact.delete', entity: 'contact', entityId: contact._id, customerId: contact.customerId },
    ]);
    await this.deps.timeline.append([
      { customerId: contact.customerId, type: 'contactRemoved', actorId: scope.user.id, data: { contactId: contact._id.toHexString(), name: contact.name }, key: `contactRemoved:${contact._id}` },
    ]);
  }

  /**
   * Adds import rows' contact people to their customers, once per row, a batch at a time: a person
   * of the same name already on the customer gains the row's phones and email instead of a second
   * card. The customers' keys for duplicate detection follow.
   */
  async addImportedMany(
    scope: RequestScope,
    items: {
      customerId: Types.ObjectId;
      contact: ImportedContactInput;
      importKey: string;
      /** the customer was created with this person's keys */
      keysKnown?: boolean;
      /** the customer was created by this batch: it has no other contact people to look up */
      newCustomer?: boolean;
    }[],
    /** the contact people customers have on record (their dedupeContacts), which saves reading their contacts */
    known: Map<string, { names: string[]; phones: string[]; emails: string[] } | undefined> = new Map(),
  ): Promise<void> {
    if (items.length === 0) return;
    const customerIds = [...new Map(items.map((i) => [i.customerId.toHexString(), i.customerId])).values()];
    const byCustomer = new Map<string, Pick<Contact, '_id' | 'name' | 'phones' | 'email'>[]>(customerIds.map((id) => [id.toHexString(), []]));
    const older = [...new Map(items.filter((i) => !i.newCustomer).map((i) => [i.customerId.toHexString(), i.customerId])).values()];
    // customers with their people on record need no read; the others' contacts are read in one go
    const unknown = older.filter((id) => !known.get(id.toHexString()));
    if (unknown.length) {
      for (const c of await this.deps.contacts.find({ customerId: { $in: unknown }, deletedAt: null }, { name: 1, phones: 1, email: 1, customerId: 1, importKey: 1 }).lean<Contact[]>()) {
        byCustomer.get(c.customerId.toHexString())?.push(c);
      }
    }
    const onRecord = new Map<string, { names: string[]; phones: string[]; emails: string[] }>();
    for (const id of older) {
      const people = known.get(id.toHexString());
      if (!people) continue;
      onRecord.set(id.toHexString(), people);
      // their names, to find the same person; the record itself is read only if one is found
      for (const name of people.names) byCustomer.get(id.toHexString())!.push({ name, phones: [] } as unknown as Contact);
    }
    // a resumed batch: rows whose person is there already (their import key) are done
    const done = new Set([...byCustomer.values()].flat().map((c) => (c as Contact).importKey).filter(Boolean));
    const now = this.deps.clock.now();
    const by = new Types.ObjectId(scope.user.id);
    const inserts: Contact[] = [];
    const updates: AnyBulkWriteOperation<Contact>[] = [];
    const changed = new Set<string>();
    for (const { customerId, contact, importKey, keysKnown } of items) {
      if (done.has(importKey)) continue;
      if (!keysKnown) changed.add(customerId.toHexString());
      const people = byCustomer.get(customerId.toHexString())!;
      const same = people.find((c) => personNameKey(c.name) === personNameKey(contact.name));
      if (same && !same._id) {
        // a person known by name only: their record, if it is there to add to
        const record = await this.deps.contacts.findOne({ customerId, name: same.name, deletedAt: null }, { _id: 1, phones: 1, email: 1 }).lean<Contact>();
        if (record) Object.assign(same, { _id: record._id, phones: record.phones ?? [], email: record.email });
      }
      if (same?._id) {
        // phones are stored encrypted, so the union is made here: on the record as read, with what
        // earlier rows of this batch added to it
        const phones = [...new Set([...same.phones, ...contact.phones])];
        const email = same.email || !contact.email ? {} : { email: contact.email };
        same.phones = phones;
        if (contact.email && !same.email) same.email = contact.email;
        const keys = contactKeys({ name: same.name, phones, email: same.email });
        updates.push({ updateOne: { filter: { _id: same._id }, update: { $set: { phones, ...email, ...keys, updatedAt: now } } } });
      } else {
        const doc = new this.deps.contacts({ ...contact, customerId, isPrimary: people.length === 0, ...contactKeys(contact), createdBy: by, createdAt: now, updatedAt: now, importKey }).toObject() as Contact;
        inserts.push(doc);
        people.push(doc);
      }
    }
    if (inserts.length) {
      try {
        await this.deps.contacts.collection.insertMany(inserts.map((doc) => encryptedDocument(doc, contactEncryptedPaths)), { ordered: false });
      } catch (error) {
        const writeErrors = (error as { writeErrors?: { code: number }[] | { code: number } }).writeErrors;
        if (!writeErrors || [writeErrors].flat().some((e) => e.code !== 11000)) throw error; // 11000: the same row, resumed
      }
    }
    if (updates.length) await this.deps.contacts.bulkWrite(updates, { ordered: false });
    const keys = new Map<string, { names: string[]; phones: string[]; emails: string[] }>();
    for (const id of changed) {
      const found = peopleKeys(byCustomer.get(id)!);
      const record = onRecord.get(id) ?? { names: [], phones: [], emails: [] };
      keys.set(id, { names: found.names, phones: [...new Set([...record.phones, ...found.phones])], emails: [...new Set([...record.emails, ...found.emails])] });
    }
    await this.deps.customers.setDedupeContactsMany(keys);
  }

  /** Marks the people behind addresses that bounced as having left the company (never deletes them). */
  async markLeftByEmail(emails: string[]): Promise<number> {
    if (emails.length === 0) return 0;
    const done = await this.deps.contacts.updateMany(
      { emailKey: { $in: emails.map((e) => emailKey(normaliseEmail(e) ?? e)) }, leftCompany: false, deletedAt: null },
      { $set: { leftCompany: true, updatedAt: this.deps.clock.now() } },
    );
    return done.modifiedCount;
  }

  /** Hands the customer its contact people's names, phones and emails, which find duplicates too. */
  async syncDedupe(customerId: Types.ObjectId): Promise<void> {
    const contacts = await this.deps.contacts
      .find({ customerId, deletedAt: null }, { name: 1, phones: 1, email: 1 })
      .limit(500)
      .lean<Pick<Contact, 'name' | 'phones' | 'email'>[]>();
    await this.deps.customers.setDedupeContacts(customerId, peopleKeys(contacts));
  }

  /** Contacts matching a search, limited to customers the caller sees in full. */
  async search(scope: RequestScope, filter: Record<string, unknown>, limit: number) {
    const candidates = await this.deps.contacts
      .find({ $and: [filter, { deletedAt: null }] })
      .limit(200)
      .lean<Contact[]>();
    const visible = await this.deps.customers.visibleOwners(scope, [...new Map(candidates.map((c) => [String(c.customerId), c.customerId])).values()]);
    return candidates
      .filter((c) => visible.has(c.customerId.toHexString()))
      .slice(0, limit)
      .map((c) => this.view(c, scope, visible.get(c.customerId.toHexString())!));
  }

  /** One contact, when the caller sees its customer in full; NOT_FOUND otherwise. */
  async get(scope: RequestScope, id: string) {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const contact = await this.deps.contacts.findOne({ _id: new Types.ObjectId(id), deletedAt: null }).lean<Contact>();
    if (!contact) throw notFound();
    const customer = await this.deps.customers.requireFull(scope, contact.customerId);
    return this.view(contact, scope, customer.ownerId);
  }

  /**
   * The contacts of every customer the caller sees (or of one), most recently changed first, a
   * page at a time: what an integration walks to mirror the address book (the open API).
   */
  async page(scope: RequestScope, query: { customerId?: string; limit: number; cursor?: string }) {
    scope.require('customer.view');
    const conditions: Record<string, unknown>[] = [{ deletedAt: null }];
    if (query.customerId) conditions.push({ customerId: (await this.deps.customers.requireFull(scope, query.customerId))._id });
    else if (!scope.seesAll) conditions.push({ customerId: { $in: await this.deps.customers.visibleIdList(scope) } });
    const position = decodeCursor(query.cursor);
    if (position) conditions.push(afterCursor('updatedAt', -1, position, reviveDate));
    const rows = await this.deps.contacts.find({ $and: conditions }).sort({ updatedAt: -1, _id: -1 }).limit(query.limit + 1).lean<Contact[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (c) => c.updatedAt);
    const owners = await this.deps.customers.visibleOwners(scope, [...new Set(page.map((c) => c.customerId.toHexString()))].map((id) => new Types.ObjectId(id)));
    return { items: page.map((c) => this.view(c, scope, owners.get(c.customerId.toHexString()) ?? null)), nextCursor };
  }

  async belongsTo(contactId: Types.ObjectId, customerId: Types.ObjectId): Promise<boolean> {
    return (await this.deps.contacts.exists({ _id: contactId, customerId, deletedAt: null })) !== null;
  }

  /** The contacts of customers the caller was already cleared for (exports), read from a cursor. */
  async *scanForCustomers(customerIds: Types.ObjectId[], where: ContactWhere = {}): AsyncGenerator<Contact> {
    if (customerIds.length === 0) return;
    const cursor = this.deps.contacts
      .find(this.forCustomers(customerIds, where))
      .sort({ customerId: 1, isPrimary: -1, createdAt: 1 })
      .lean<Contact[]>()
      .cursor({ batchSize: 1000 });
    try {
      for await (const contact of cursor) yield contact as Contact;
    } finally {
      await cursor.close();
    }
  }

  async countForCustomers(customerIds: Types.ObjectId[], where: ContactWhere = {}): Promise<number> {
    if (customerIds.length === 0) return 0;
    return this.deps.contacts.countDocuments(this.forCustomers(customerIds, where));
  }

  private forCustomers(customerIds: Types.ObjectId[], where: ContactWhere): Record<string, unknown> {
    const filter: Record<string, unknown> = { customerId: { $in: customerIds }, deletedAt: null };
    if (where.isPrimary !== undefined) filter.isPrimary = where.isPrimary;
    if (where.leftCompany !== undefined) filter.leftCompany = where.leftCompany;
    return filter;
  }

  /** Contacts still at their company whose birthday falls on one of these MM-DD keys. */
  async *scanBirthdays(keys: string[]): AsyncGenerator<Pick<Contact, '_id' | 'name' | 'customerId' | 'birthday'>> {
    const filter = { birthdayKey: { $in: keys }, deletedAt: null, leftCompany: false };
    for await (const contact of this.deps.contacts.find(filter, { name: 1, customerId: 1, birthday: 1 }).lean<Contact[]>().cursor({ batchSize: 1000 })) {
      yield contact as Contact;
    }
  }

  /** A customer has one primary contact. */
  private async demoteOtherPrimaries(primary: Contact): Promise<void> {
    await this.deps.contacts.updateMany(
      { customerId: primary.customerId, deletedAt: null, isPrimary: true, _id: { $ne: primary._id } },
      { $set: { isPrimary: false } },
    );
  }
}
