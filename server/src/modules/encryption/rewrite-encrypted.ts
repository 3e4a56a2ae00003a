// Rewrites every stored phone and email under the current field key, and rebuilds the blind
// indexes from them: how keys are rotated (`npm run rotate-keys`, after putting a new key first or
// changing BLIND_INDEX_KEY) and how data written before encryption gets encrypted (a migration).
// Each document is read decrypted through its model and written back with one $set, so a crash
// half-way leaves every document either old or new, both readable; running it again finishes it.
import type { Model, Types } from 'mongoose';
import type { Logger } from '../../core/logger.ts';
import { contactKeys } from '../contacts/contact.service.ts';
import { deriveKeys } from '../customers/customer.input.ts';
import type { Contact, ContactModel } from '../contacts/contact.model.ts';
import type { Customer, CustomerModel } from '../customers/customer.model.ts';
import type { LeadEntry } from '../leads/lead.model.ts';

export interface EncryptedModels {
  customers: CustomerModel;
  contacts: ContactModel;
  leadEntries: Model<LeadEntry>;
}

export interface RewriteCounts {
  customers: number;
  contacts: number;
  leads: number;
}

const batch = 500;

/** Visits every document by _id in batches, so a long rewrite holds no cursor open. */
async function eachDocument<T extends { _id: Types.ObjectId }>(
  model: Model<T>,
  projection: Record<string, 1>,
  visit: (doc: T) => Promise<void>,
): Promise<number> {
  let after: Types.ObjectId | null = null;
  let count = 0;
  for (;;) {
    const docs: T[] = await model
      .find(after ? { _id: { $gt: after } } : {}, projection)
      .sort({ _id: 1 })
      .limit(batch)
      .lean<T[]>();
    for (const doc of docs) await visit(doc);
    count += docs.length;
    if (docs.length < batch) return count;
    after = docs[docs.length - 1]!._id;
  }
}

export async function rewriteEncryptedFields(models: EncryptedModels, logger: Logger): Promise<RewriteCounts> {
  const customers = await eachDocument<Customer>(
    models.customers,
    { type: 1, name: 1, phones: 1, email: 1, region: 1, address: 1, dedupeContacts: 1, deletedAt: 1, deletedKeys: 1 },
    async (customer) => {
      const keys = deriveKeys({ ...customer, phones: customer.phones ?? [], contacts: customer.dedupeContacts });
      const set: Record<string, unknown> = { phones: customer.phones ?? [], searchTokens: keys.searchTokens, dedupeKeys: keys.dedupeKeys };
      const unset: Record<string, ''> = {};
      if (customer.email) set.email = customer.email;
      if (customer.dedupeContacts) set.dedupeContacts = customer.dedupeContacts;
      // a deleted or merged customer holds its mobile keys aside (they are unique among the living)
      if (customer.deletedAt && customer.deletedKeys) set['deletedKeys.mobileKeys'] = keys.mobileKeys ?? [];
      else if (!customer.deletedAt && keys.mobileKeys) set.mobileKeys = keys.mobileKeys;
      else if (!customer.deletedAt) unset.mobileKeys = '';
      await models.customers.updateOne({ _id: customer._id }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    },
  );
  const contacts = await eachDocument<Contact>(models.contacts, { name: 1, phones: 1, email: 1 }, async (contact) => {
    const keys = contactKeys({ name: contact.name, phones: contact.phones ?? [], email: contact.email });
    const set: Record<string, unknown> = { phones: contact.phones ?? [], searchTokens: keys.searchTokens };
    if (contact.email) set.email = contact.email;
    if (keys.emailKey) set.emailKey = keys.emailKey;
    await models.contacts.updateOne({ _id: contact._id }, { $set: set });
  });
  const leads = await eachDocument<LeadEntry>(models.leadEntries, { phone: 1, email: 1 }, async (lead) => {
    const set: Record<string, unknown> = {};
    if (lead.phone) set.phone = lead.phone;
    if (lead.email) set.email = lead.email;
    if (Object.keys(set).length) await models.leadEntries.updateOne({ _id: lead._id }, { $set: set });
  });
  const counts = { customers, contacts, leads };
  logger.info(counts, 'phones and emails rewritten under the current field key, blind indexes rebuilt');
  return counts;
}
