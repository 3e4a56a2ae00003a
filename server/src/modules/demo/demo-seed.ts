// Realistic demo customers (companies and people across China, with contacts and follow-ups)
// for `npm start` on an empty database and for `npm run seed -- --customers N` (benchmarks).
// Written in batches straight to the collections, with the same entry standards and derived
// keys as the API, so 100,000 customers take minutes, not hours.
import { Types } from 'mongoose';
import type { Models } from '../../app.ts';
import type { Clock } from '../../core/clock.ts';
import { customerEncryptedPaths, type Customer } from '../customers/customer.model.ts';
import { contactEncryptedPaths } from '../contacts/contact.model.ts';
import { encryptedDocument } from '../../core/db/encrypted-fields.ts';
import { dedupeKeysOf, deriveKeys, missingFields } from '../customers/customer.input.ts';
import type { CustomerStage } from '../customers/customer.model.ts';
import { birthdayKey, regionTree, searchTokens, normalisePhone, type NormalisedPhone } from '../standards/index.ts';
import * as words from './demo-vocabulary.ts';

/** A small deterministic generator, so every seeded database looks the same. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  customers: number;
  batchSize?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

const day = 86_400_000;

export async function seedDemoCustomers(models: Models, clock: Clock, options: SeedOptions): Promise<{ customers: number; contacts: number; followUps: number }> {
  const rand = random(options.seed ?? 20_261_124);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const reps = await models.users.find({ role: 'rep', active: true }, { _id: 1, departmentId: 1 }).lean();
  if (reps.length === 0) throw new Error('seed the organisation first');
  const pool = await models.pools.findOne({ isDefault: true }, { _id: 1 }).lean();
  const provinces = regionTree();
  const now = clock.now().getTime();
  const batchSize = options.batchSize ?? 1000;
  const totals = { customers: 0, contacts: 0, followUps: 0 };
  let serial = 0;

  const mobile = () => `1${pick(['3', '5', '7', '8', '9'])}${Math.floor(rand() * 1e9).toString().padStart(9, '0')}`;
  const person = () => pick(words.surnames) + pick(words.givenNames) + (rand() < 0.6 ? pick(words.givenNames) : '');

  while (totals.customers < options.customers) {
    const want = Math.min(batchSize, options.customers - totals.customers);
    const customers: Record<string, unknown>[] = [];
    const contacts: Record<string, unknown>[] = [];
    const followUps: Record<string, unknown>[] = [];
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < want; i++) {
      serial++;
      const isCompany = rand() < 0.85;
      const province = pick(provinces);
      const city = pick(province.children ?? [{ name: province.name, code: province.code }]);
      const district = city.children?.length ? pick(city.children) : undefined;
      const trade = pick(words.trades);
      const cityShort = city.name.replace(/市$/, '');
      const name = isCompany
        ? `${rand() < 0.5 ? cityShort : ''}${pick(words.brandFirst)}${pick(words.brandSecond)}${trade.word}${pick(words.legalForms)}`
        : person();
      const hasPhone = rand() < 0.92;
      const phones = hasPhone ? [mobile()] : [];
      const hasRegion = rand() < 0.9;
      const region = hasRegion ? { province: province.name, city: city.name, ...(district ? { district: district.name } : {}) } : undefined;
      const level = rand() < 0.85 ? pick(words.levels) : undefined;
      const inPool = rand() < 0.1;
      const owner = pick(reps);
      const createdAt = new Date(now - Math.floor(rand() * 365) * day - Math.floor(rand() * day));
      const neverFollowed = rand() < 0.15;
      const lastFollowUpAt = neverFollowed ? null : new Date(Math.max(createdAt.getTime(), now - Math.floor(rand() * 60) * day));
      const stage: CustomerStage = pick(['lead', 'lead', 'prospect', 'prospect', 'customer', 'lost']);
      const _id = new Types.ObjectId();
      const fields = { type: isCompany ? ('company' as const) : ('person' as const), name, phones };
      customers.push({
        _id,
        ...fields,
        ...(isCompany ? { industry: trade.industry, scale: pick(words.scales) } : {}),
        ...(level ? { level } : {}),
        source: pick(words.sources),
        stage,
        ...(region ? { region, address: `${pick(words.streets)}${1 + Math.floor(rand() * 999)}号` } : {}),
        tags: rand() < 0.3 ? [pick(['重点客户', '老客户', '展会', '待报价'])] : [],
        ...(isCompany ? {} : rand() < 0.5 ? birthdayFields(new Date(Date.UTC(1965 + Math.floor(rand() * 35), Math.floor(rand() * 12), 1 + Math.floor(rand() * 28)))) : {}),
        ownerId: inPool ? null : owner._id,
        ownerDepartmentId: inPool ? null : (owner.departmentId ?? null),
        ownerSince: inPool ? null : createdAt,
        collaboratorIds: [],
        pool: inPool && pool ? { poolId: pool._id, enteredAt: new Date(now - Math.floor(rand() * 30) * day), reason: '长期未跟进' } : null,
        releases: [],
        lastFollowUpAt,
        nextFollowUpAt: !inPool && rand() < 0.4 ? new Date(now + Math.floor(rand() * 14 - 3) * day) : null,
        needsCompletion: missingFields({ phones, region, level, type: fields.type, industry: isCompany ? trade.industry : undefined }),
        ...stripUndefined(deriveKeys(fields)),
        createdBy: owner._id,
        updatedBy: owner._id,
        createdAt,
        updatedAt: lastFollowUpAt ?? createdAt,
        deletedAt: null,
        version: 0,
      });
      events.push({ customerId: _id, at: createdAt, type: 'created', actorId: owner._id, data: { stage: 'lead' }, key: `created:${_id}` });
      const contactCount = isCompany ? 1 + Math.floor(rand() * 3) : 0;
      for (let c = 0; c < contactCount; c++) {
        const contactName = person();
        const contactPhones = rand() < 0.9 ? [mobile()] : [];
        const normalised = contactPhones.map((p) => normalisePhone(p)).filter((p): p is NormalisedPhone => !!p);
        contacts.push({
          customerId: _id,
          name: contactName,
          position: pick(words.positions),
          phones: contactPhones,
          isPrimary: c === 0,
          leftCompany: rand() < 0.05,
          searchTokens: searchTokens([contactName], normalised),
          createdBy: owner._id,
          createdAt,
          updatedAt: createdAt,
          deletedAt: null,
        });
      }
      if (contactCount) {
        // the contact people find duplicates too, as the contacts feature keeps them on the customer
        const people = contacts.slice(-contactCount);
        const doc = customers[customers.length - 1]! as { dedupeContacts?: Customer['dedupeContacts']; dedupeKeys?: string[] };
        doc.dedupeContacts = { names: people.map((c) => c.name as string), phones: people.flatMap((c) => c.phones as string[]), emails: [] };
        doc.dedupeKeys = dedupeKeysOf({ ...fields, region: region ?? null, address: (doc as { address?: string }).address ?? null, contacts: doc.dedupeContacts });
      }
      if (lastFollowUpAt) {
        const count = 1 + Math.floor(rand() * 3);
        for (let f = 0; f < count; f++) {
          const note = pick(words.followUpNotes);
          const at = f === 0 ? lastFollowUpAt : new Date(createdAt.getTime() + rand() * (lastFollowUpAt.getTime() - createdAt.getTime()));
          const followUpId = new Types.ObjectId();
          followUps.push({
            _id: followUpId,
            customerId: _id,
            contactId: null,
            method: note.method,
            content: note.content,
            nextFollowUpAt: null,
            stageChange: null,
            location: null,
            photoIds: [],
            at,
            createdBy: owner._id,
            createdAt: at,
          });
          events.push({ customerId: _id, at, type: 'followUp', actorId: owner._id, data: { followUpId: followUpId.toHexString(), method: note.method, content: note.content }, key: `followUp:${followUpId}` });
        }
      }
    }
    const inserted = await insertSkippingDuplicates(models.customers.collection, customers.map((doc) => encryptedDocument(doc, customerEncryptedPaths)));
    const kept = new Set(inserted.map(String));
    const keep = (doc: Record<string, unknown>) => kept.has(String(doc.customerId));
    const keptContacts = contacts.filter(keep);
    const keptFollowUps = followUps.filter(keep);
    await Promise.all([
      keptContacts.length ? models.contacts.collection.insertMany(keptContacts.map((doc) => encryptedDocument(doc, contactEncryptedPaths)), { ordered: false }) : null,
      keptFollowUps.length ? models.followUps.collection.insertMany(keptFollowUps, { ordered: false }) : null,
      models.timeline.collection.insertMany(events.filter(keep), { ordered: false }),
    ]);
    totals.customers += inserted.length;
    totals.contacts += keptContacts.length;
    totals.followUps += keptFollowUps.length;
    options.onProgress?.(totals.customers, options.customers);
  }
  return totals;
}

/** Inserts what it can; a generated name or phone that is taken already is simply skipped. */
async function insertSkippingDuplicates(
  collection: { insertMany(docs: Record<string, unknown>[], options: { ordered: false }): Promise<unknown> },
  docs: Record<string, unknown>[],
): Promise<unknown[]> {
  try {
    await collection.insertMany(docs, { ordered: false });
    return docs.map((d) => d._id);
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] }).writeErrors;
    if (!writeErrors || writeErrors.some((w) => (w.code ?? w.err?.code) !== 11000)) throw error;
    const failed = new Set(writeErrors.map((w) => w.index));
    return docs.filter((_, i) => !failed.has(i)).map((d) => d._id);
  }
}

function birthdayFields(birthday: Date) {
  return { birthday, birthdayKey: birthdayKey(birthday) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
