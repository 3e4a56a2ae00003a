// Rewrites every encrypted value under the current field key (phones and emails, users' mobiles,
// import rows and spreadsheets, webhook secrets and delivery bodies, campaign recipients and the
// unsubscribe list) and rebuilds the blind indexes: how keys are rotated (`npm run rotate-keys`,
// after putting a new key first or changing BLIND_INDEX_KEY) and how data written before
// encryption gets encrypted (a migration). Each document is read decrypted through its model and
// written back with one $set, so a crash half-way leaves every document either old or new, both
// readable; running it again finishes it.
import type { AnyBulkWriteOperation, Model, Types, UpdateQuery } from 'mongoose';
import { FieldCipher, fieldCipher } from '../../core/crypto/field-cipher.ts';
import type { Logger } from '../../core/logger.ts';
import { contactKeys } from '../contacts/contact.service.ts';
import { deriveKeys } from '../customers/customer.input.ts';
import type { CampaignSend, Unsubscribe } from '../campaigns/campaign.model.ts';
import type { Contact, ContactModel } from '../contacts/contact.model.ts';
import type { Customer, CustomerModel } from '../customers/customer.model.ts';
import { readStoredFile, type FileStorage } from '../files/file-storage.ts';
import type { ImportJob, ImportRow } from '../imports/import.model.ts';
import type { LeadEntry } from '../leads/lead.model.ts';
import { userMobile, type User, type UserModel } from '../org/user.model.ts';
import { emailKey } from '../standards/index.ts';
import type { WebhookDelivery, WebhookSubscription } from '../webhooks/webhook.model.ts';

export interface EncryptedModels {
  customers: CustomerModel;
  contacts: ContactModel;
  leadEntries: Model<LeadEntry>;
  importRows: Model<ImportRow>;
  imports: Model<ImportJob>;
  webhookSubscriptions: Model<WebhookSubscription>;
  webhookDeliveries: Model<WebhookDelivery>;
  campaignSends: Model<CampaignSend>;
  unsubscribes: Model<Unsubscribe>;
  users: UserModel;
}

export interface RewriteCounts {
  customers: number;
  contacts: number;
  leads: number;
  importRows: number;
  importFiles: number;
  webhooks: number;
  campaignEmails: number;
  users: number;
}

const batch = 500;

/** Visits every document by _id in batches, so a long rewrite holds no cursor open. */
async function eachBatch<T extends { _id: Types.ObjectId | string }>(model: Model<T>, projection: Record<string, 1>, visit: (docs: T[]) => Promise<void>): Promise<number> {
  let after: T['_id'] | null = null;
  let count = 0;
  for (;;) {
    const docs: T[] = await model
      .find(after ? { _id: { $gt: after } } : {}, projection)
      .sort({ _id: 1 })
      .limit(batch)
      .lean<T[]>();
    if (docs.length) await visit(docs);
    count += docs.length;
    if (docs.length < batch) return count;
    after = docs[docs.length - 1]!._id;
  }
}

/** Writes each document back with the update made of it (none: left as it is), a batch at a time. */
function rewriteEach<T extends { _id: Types.ObjectId | string }>(model: Model<T>, projection: Record<string, 1>, updateOf: (doc: T) => UpdateQuery<T> | null): Promise<number> {
  return eachBatch(model, projection, async (docs) => {
    const ops = docs.flatMap((doc) => {
      const update = updateOf(doc);
      return update ? [{ updateOne: { filter: { _id: doc._id }, update } }] : [];
    });
    if (ops.length) await model.bulkWrite(ops as Parameters<Model<T>['bulkWrite']>[0], { ordered: false });
  });
}

export async function rewriteEncryptedFields(models: EncryptedModels, storage: FileStorage, logger: Logger): Promise<RewriteCounts> {
  const customers = await rewriteEach<Customer>(
    models.customers,
    { type: 1, name: 1, phones: 1, email: 1, region: 1, address: 1, dedupeContacts: 1, deletedAt: 1, deletedKeys: 1 },
    (customer) => {
      const keys = deriveKeys({ ...customer, phones: customer.phones ?? [], contacts: customer.dedupeContacts });
      const set: Record<string, unknown> = { phones: customer.phones ?? [], searchTokens: keys.searchTokens, dedupeKeys: keys.dedupeKeys };
      const unset: Record<string, ''> = {};
      if (customer.email) set.email = customer.email;
      if (customer.dedupeContacts) set.dedupeContacts = customer.dedupeContacts;
      // a deleted or merged customer holds its mobile keys aside (they are unique among the living)
      if (customer.deletedAt && customer.deletedKeys) set['deletedKeys.mobileKeys'] = keys.mobileKeys ?? [];
      else if (!customer.deletedAt && keys.mobileKeys) set.mobileKeys = keys.mobileKeys;
      else if (!customer.deletedAt) unset.mobileKeys = '';
      return { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) };
    },
  );
  const contacts = await rewriteEach<Contact>(models.contacts, { name: 1, phones: 1, email: 1 }, (contact) => {
    const keys = contactKeys({ name: contact.name, phones: contact.phones ?? [], email: contact.email });
    const set: Record<string, unknown> = { phones: contact.phones ?? [], searchTokens: keys.searchTokens };
    if (contact.email) set.email = contact.email;
    if (keys.emailKey) set.emailKey = keys.emailKey;
    return { $set: set };
  });
  const leads = await rewriteEach<LeadEntry>(models.leadEntries, { phone: 1, email: 1 }, (lead) => {
    const set: Record<string, unknown> = {};
    if (lead.phone) set.phone = lead.phone;
    if (lead.email) set.email = lead.email;
    return Object.keys(set).length ? { $set: set } : null;
  });
  // staged import rows: their cells, normalised phones and emails and problem values, as read
  const importRows = await rewriteEach<ImportRow>(models.importRows, { cells: 1, customer: 1, contact: 1, rowErrors: 1, rowWarnings: 1 }, (row) => ({
    $set: { cells: row.cells, customer: row.customer, contact: row.contact, rowErrors: row.rowErrors, rowWarnings: row.rowWarnings },
  }));
  const importFiles = await resealImportFiles(models.imports, storage);
  // webhook secrets and the bodies of deliveries still in the log
  const webhooks =
    (await rewriteEach<WebhookSubscription>(models.webhookSubscriptions, { secret: 1 }, (hook) => ({ $set: { secret: hook.secret } }))) +
    (await rewriteEach<WebhookDelivery>(models.webhookDeliveries, { body: 1 }, (delivery) => ({ $set: { body: delivery.body } })));
  const campaignEmails = await rewriteCampaignEmails(models);
  const users = await rewriteUserMobiles(models.users);
  const counts = { customers, contacts, leads, importRows, importFiles, webhooks, campaignEmails, users };
  logger.info(counts, 'phones and emails rewritten under the current field key, blind indexes rebuilt');
  return counts;
}

/**
 * Campaign recipients' addresses, and the unsubscribe list keyed by the address's blind index.
 * An entry still keyed by its plain address (written before encryption) or by an old blind key is
 * written again under the current key, then the old one deleted: a crash in between leaves both,
 * and both unsubscribe the address.
 */
export async function rewriteCampaignEmails(models: Pick<EncryptedModels, 'campaignSends' | 'unsubscribes'>): Promise<number> {
  const sends = await rewriteEach<CampaignSend>(models.campaignSends, { email: 1 }, (send) => ({ $set: { email: send.email, emailKey: emailKey(send.email) } }));
  const unsubscribes = await eachBatch<Unsubscribe>(models.unsubscribes, { email: 1, at: 1 }, async (entries) => {
    const ops = entries.flatMap((entry): AnyBulkWriteOperation<Unsubscribe>[] => {
      const email = entry.email ?? entry._id; // before encryption the address was the key
      const key = emailKey(email);
      if (entry._id === key) return [{ updateOne: { filter: { _id: key }, update: { $set: { email } } } }];
      return [
        { updateOne: { filter: { _id: key }, update: { $setOnInsert: { email, at: entry.at } }, upsert: true } },
        { deleteOne: { filter: { _id: entry._id } } },
      ];
    });
    // in order: each entry's new key is written before its old one goes
    await models.unsubscribes.bulkWrite(ops, { ordered: true });
  });
  return sends + unsubscribes;
}

/**
 * Import spreadsheets: those still to be imported are sealed again under the current key (a new
 * file, then the import pointed at it, then the old one deleted, so a crash leaves at worst an
 * unused copy); those of finished imports are deleted, as imports now do when they finish.
 */
async function resealImportFiles(imports: Model<ImportJob>, storage: FileStorage): Promise<number> {
  let resealed = 0;
  const cipher = fieldCipher();
  await eachBatch<ImportJob>(imports, { fileId: 1, status: 1 }, async (jobs) => {
    for (const job of jobs) {
      if (job.status === 'done') {
        await storage.remove(job.fileId);
        continue;
      }
      const file = await storage.find(job.fileId);
      if (!file) continue; // gone already
      const content = await readStoredFile(storage, job.fileId);
      if (FieldCipher.sealedKeyId(content) === cipher.currentKeyId) continue;
      const fileId = await storage.save(cipher.seal(cipher.unseal(content)), file.filename, file.meta);
      const moved = await imports.updateOne({ _id: job._id, fileId: job.fileId }, { $set: { fileId } });
      await storage.remove(moved.modifiedCount ? job.fileId : fileId);
      if (moved.modifiedCount) resealed++;
    }
  });
  return resealed;
}

/**
 * Users' mobiles, as organisation sync stores them: encrypted, with the blind index that links a
 * person synced from a second platform. A number stored before encryption is read as it is.
 */
export function rewriteUserMobiles(users: UserModel): Promise<number> {
  return rewriteEach<User>(users, { mobile: 1, mobileKey: 1 }, (user) => {
    if (user.mobile === undefined && user.mobileKey === undefined) return null;
    const mobile = userMobile(user.mobile);
    return mobile ? { $set: mobile } : { $unset: { mobile: '', mobileKey: '' } };
  });
}
