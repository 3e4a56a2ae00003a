// Phones and emails at rest: what the database holds is ciphertext under a key id and blind
// indexes, never the numbers; the app still finds, checks duplicates and shows them; keys rotate
// (old values readable while their key is listed, `rotate-keys` moves everything to the new one);
// data written before encryption is encrypted by the migration's rewrite; audit entries mask them.
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCipher, fieldCipherFromConfig, useFieldCipher } from '../../server/src/core/crypto/field-cipher.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { rewriteCampaignEmails, rewriteEncryptedFields } from '../../server/src/modules/encryption/rewrite-encrypted.ts';
import { emailKey, mobileKey } from '../../server/src/modules/standards/index.ts';
import { encryptUserMobiles } from '../../server/src/migrations/2026-11-28-encrypt-user-mobiles.ts';
import { GridFsStorage } from '../../server/src/modules/files/file-storage.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;

const key = () => randomBytes(32);
const k1 = key();
const k2 = key();
const blind1 = key();
const keysEnv = { FIELD_ENCRYPTION_KEYS: `k1:${k1.toString('base64')}`, BLIND_INDEX_KEY: blind1.toString('base64'), WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1' };

let t: TestApp;
let rep: string;
let admin: string;
const silent = createLogger({ level: 'silent' });

beforeAll(async () => {
  t = await startTestApp({ env: keysEnv });
  [rep, admin] = (await Promise.all(['rep.east1', 'admin'].map((l) => t.login(l)))) as [string, string];
});
afterAll(() => t.close());

async function call(token: string, path: string, init: { method?: string; json?: unknown } = {}) {
  const response = await t.request(path, { ...init, token });
  return { status: response.status, body: (await response.json()) as Json };
}

const raw = (collection: string, id: string) => t.db.connection.db!.collection(collection).findOne({ _id: new Types.ObjectId(id) });

/** Every digit run and address of the secrets, as they could appear in any field of a stored document. */
const secrets = ['13912345678', '54954215', '13700001111', 'boss@secret-co.cn', 'li@secret-co.cn', '1391234', '1370000'];

async function uploadImport(csv: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new TextEncoder().encode(csv)]), 'secret.csv');
  const created = await t.request('/api/imports', { method: 'POST', token: admin, body: form });
  expect(created.status).toBe(202);
  return ((await created.json()) as Json).id as string;
}

async function reachStatus(id: string, status: string): Promise<Json> {
  for (let i = 0; i < 400; i++) {
    const job = (await call(admin, `/api/imports/${id}`)).body;
    if (job.status === status) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} never reached ${status}`);
}

let customerId: string;
let pendingImport: string;
let hookId: string;
let contactId: string;

describe('encryption at rest', () => {
  it('stores phones and emails only as ciphertext under the key id, and blind indexes', async () => {
    const created = await call(rep, '/api/customers', {
      method: 'POST',
      json: { type: 'company', name: '密文测试科技有限公司', industry: '互联网', source: '官网', phones: ['139 1234 5678', '021-54954215'], email: 'Boss@Secret-Co.cn' },
    });
    expect(created.status).toBe(201);
    customerId = created.body.id;
    const contact = await call(rep, `/api/customers/${customerId}/contacts`, { method: 'POST', json: { name: '李采购', phones: ['13700001111'], email: 'li@secret-co.cn' } });
    expect(contact.status).toBe(201);
    contactId = contact.body.id;

    const customer = (await raw('customers', customerId))!;
    const person = (await raw('contacts', contactId))!;
    for (const doc of [customer, person]) {
      const text = JSON.stringify(doc);
      for (const secret of secrets) expect(text, `${secret} stored readable`).not.toContain(secret);
    }
    expect(customer.phones).toEqual([expect.stringMatching(/^enc1:k1:/), expect.stringMatching(/^enc1:k1:/)]);
    expect(customer.email).toMatch(/^enc1:k1:/);
    expect(customer.dedupeContacts.phones[0]).toMatch(/^enc1:k1:/);
    expect(person.phones[0]).toMatch(/^enc1:k1:/);
    expect(person.email).toMatch(/^enc1:k1:/);
    // the same number twice encrypts differently (random nonce), yet its blind index is one value
    expect(customer.phones[0]).not.toBe(person.phones[0]);
    expect(customer.mobileKeys).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
    // the last four digits stay readable for partial search, as the standard allows
    expect(customer.searchTokens).toContain('t4:5678');
    expect(typeof person.emailKey).toBe('string');
  });

  it('stores a lead entry\'s phone and email encrypted too, and reads them back', async () => {
    const added = await call(admin, '/api/leads', { method: 'POST', json: { name: '线索先生', company: '线索加密科技有限公司', phone: '13566667777', email: 'lead@secret-co.cn', province: '浙江' } });
    expect(added.status).toBe(201);
    const entry = await t.inspect.leadEntries.collection.findOne({ name: '线索先生' }); // the driver: as stored
    expect(entry).not.toBeNull();
    expect(JSON.stringify(entry)).not.toContain('13566667777');
    expect(JSON.stringify(entry)).not.toContain('lead@secret-co.cn');
    expect(entry!.phone).toMatch(/^enc1:k1:/);
    const read = await t.inspect.leadEntries.findOne({ _id: entry!._id }).lean();
    expect(read).toMatchObject({ phone: '13566667777', email: 'lead@secret-co.cn' });
  });

  it('shows, finds and checks duplicates as before', async () => {
    const detail = await call(rep, `/api/customers/${customerId}`);
    expect(detail.body).toMatchObject({ phones: ['13912345678', '021-54954215'], email: 'boss@secret-co.cn' });
    const contacts = await call(rep, `/api/customers/${customerId}/contacts`);
    expect(contacts.body.items[0]).toMatchObject({ phones: ['13700001111'], email: 'li@secret-co.cn' });

    for (const q of ['+86 139-1234-5678', '5678', '021 54954215', '54954215']) {
      const found = await call(rep, `/api/customers?q=${encodeURIComponent(q)}`);
      expect(found.body.items.map((c: Json) => c.id), q).toContain(customerId);
    }
    const search = await call(rep, `/api/search?q=${encodeURIComponent('137 0000 1111')}`);
    expect(JSON.stringify(search.body)).toContain(contactId);

    const again = await call(rep, '/api/customers', { method: 'POST', json: { type: 'person', name: '王先生', source: '官网', phones: ['8613912345678'] } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('DUPLICATE');
  });

  it('keeps phone and email changes masked in the audit trail', async () => {
    const before = await call(rep, `/api/customers/${customerId}`);
    const edited = await call(rep, `/api/customers/${customerId}`, { method: 'PATCH', json: { phones: ['13912345678', '13655556666'], email: 'ceo@secret-co.cn', version: before.body.version } });
    expect(edited.status).toBe(200);
    const entries = await t.inspect.audit.find({ entityId: new Types.ObjectId(customerId), action: 'customer.update' }).lean();
    const text = JSON.stringify(entries);
    expect(text).toContain('136****6666');
    for (const secret of ['13655556666', 'ceo@secret-co.cn', ...secrets]) expect(text).not.toContain(secret);
  });

  it("stores an import's spreadsheet sealed and its staged rows encrypted, and deletes the spreadsheet once imported", async () => {
    const csv = ['客户名称,客户类型,联系人,联系电话,邮箱', '导入密文科技有限公司,公司,钱经理,13633334444,qian@import-secret.cn', '导入错误科技有限公司,公司,孙经理,13644445555,sun@@import-secret'].join('\n');
    const id = await uploadImport(csv);
    await reachStatus(id, 'ready');
    const job = (await t.inspect.imports.findById(id).lean())!;
    const chunks = await t.db.connection.db!.collection('files.chunks').find({ files_id: new Types.ObjectId(job.fileId) }).toArray();
    expect(chunks.length).toBeGreaterThan(0);
    const sealed = Buffer.concat(chunks.map((c) => Buffer.from(c.data.buffer)));
    expect(FieldCipher.sealedKeyId(sealed)).toBe('k1');
    expect(sealed.toString('utf8')).not.toContain('13633334444');
    // the importer cannot fetch it as a file, nor attach it to a customer
    expect((await t.request(`/api/files/${job.fileId}`, { token: admin })).status).toBe(404);
    const attach = await call(admin, `/api/customers/${customerId}/follow-ups`, { method: 'POST', json: { method: 'visit', content: '拜访', photoIds: [job.fileId] } });
    expect(attach.status).toBe(400);
    expect(await t.db.connection.db!.collection('files.files').countDocuments({ _id: new Types.ObjectId(job.fileId), 'metadata.customerId': null })).toBe(1);

    const stored = await t.db.connection.db!.collection('import_rows').find({ importId: new Types.ObjectId(id) }).toArray();
    expect(stored).toHaveLength(2);
    const text = JSON.stringify(stored);
    for (const secret of ['13633334444', '1363333', 'qian@import-secret.cn', '13644445555', 'sun@@import-secret']) expect(text, `${secret} stored readable`).not.toContain(secret);
    expect(stored[0]!.cells).toEqual(Array(5).fill(expect.stringMatching(/^enc1:k1:/)));
    expect(stored[0]!.customer.phones).toEqual([expect.stringMatching(/^enc1:k1:/)]);
    expect(stored[1]!.rowErrors[0].value).toMatch(/^enc1:k1:/);

    // the review shows the rows as written, and the commit imports them as before
    const rows = (await call(admin, `/api/imports/${id}/rows?filter=all&limit=10&after=-1`)).body.items as Json[];
    expect(rows[0]!.cells).toEqual(['导入密文科技有限公司', '公司', '钱经理', '13633334444', 'qian@import-secret.cn']);
    expect(JSON.stringify(rows[1])).toContain('sun@@import-secret');
    expect((await call(admin, `/api/imports/${id}/commit`, { method: 'POST' })).status).toBe(200);
    await reachStatus(id, 'done');
    expect(await t.db.connection.db!.collection('files.files').countDocuments({ _id: new Types.ObjectId(job.fileId) })).toBe(0);
    expect(await t.db.connection.db!.collection('files.chunks').countDocuments({ files_id: new Types.ObjectId(job.fileId) })).toBe(0);
    const found = await call(admin, `/api/customers?q=${encodeURIComponent('13633334444')}`);
    expect(found.body.items).toHaveLength(1);
    expect((await call(admin, `/api/customers/${found.body.items[0].id}`)).body).toMatchObject({ phones: ['13633334444'] });
  });

  it('stores webhook secrets and delivery bodies encrypted, and shows the log readable', async () => {
    // nothing listens on port 9: the delivery stays in the queue, retrying
    const hook = await call(admin, '/api/webhooks', { method: 'POST', json: { url: 'http://127.0.0.1:9/kemai', events: ['customer.created'] } });
    expect(hook.status).toBe(201);
    hookId = hook.body.id;
    const created = await call(admin, '/api/customers', { method: 'POST', json: { type: 'person', name: '钩子先生', source: '官网', phones: ['13522223333'], email: 'hook@secret-co.cn' } });
    expect(created.status).toBe(201);
    const stored = (await t.db.connection.db!.collection('webhookSubscriptions').findOne({ _id: new Types.ObjectId(hook.body.id) }))!;
    expect(stored.secret).toMatch(/^enc1:k1:/);
    expect(JSON.stringify(stored)).not.toContain(hook.body.secret);
    const deliveries = await t.db.connection.db!.collection('webhookDeliveries').find({ subscriptionId: stored._id }).toArray();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.body).toMatch(/^enc1:k1:/);
    for (const secret of ['13522223333', 'hook@secret-co.cn']) expect(JSON.stringify(deliveries), secret).not.toContain(secret);
    const log = await call(admin, `/api/webhooks/${hook.body.id}/deliveries`);
    expect(JSON.stringify(log.body.items[0].payload)).toContain('13522223333');
  });

  it("stores campaign recipients' addresses encrypted, and the unsubscribe list by blind index", async () => {
    const ids = { messageId: new Types.ObjectId(), campaignId: new Types.ObjectId(), customerId: new Types.ObjectId(customerId) };
    const queued = { ...ids, status: 'queued' as const, error: null, claimedAt: null, sentAt: null, clicks: 0 };
    const first = await t.inspect.campaignSends.create({ ...queued, email: 'buyer@secret-co.cn', token: 'enc-send-token-1' });
    await t.inspect.campaignSends.create({ ...queued, messageId: new Types.ObjectId(), email: 'buyer@secret-co.cn', token: 'enc-send-token-2' });
    expect(await t.app.services.campaigns.unsubscribe('enc-send-token-1')).toBe(true);
    const db = t.db.connection.db!;
    const sends = await db.collection('campaignSends').find({ customerId: ids.customerId }).toArray();
    // every entry, walked in _id order as the implicit _id index serves it
    const allUnsubscribes = () => db.collection('unsubscribes').find({ _id: { $gte: '' as never } }).sort({ _id: 1 }).toArray();
    const unsubscribes = await allUnsubscribes();
    for (const stored of [...sends, ...unsubscribes]) expect(JSON.stringify(stored)).not.toContain('buyer@secret-co.cn');
    expect(sends.map((s) => s.email)).toEqual([expect.stringMatching(/^enc1:k1:/), expect.stringMatching(/^enc1:k1:/)]);
    // the unsubscribe reached the address's send of the other message too, through the blind index
    expect(sends.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect((await t.inspect.campaignSends.findById(first._id).lean())!.email).toBe('buyer@secret-co.cn');
    expect(unsubscribes).toEqual([expect.objectContaining({ _id: sends[0]!.emailKey, email: expect.stringMatching(/^enc1:k1:/) })]);

    // written before encryption: a plain address in a send, and as the unsubscribe list's key
    await db.collection('campaignSends').insertOne({ ...queued, messageId: new Types.ObjectId(), email: 'legacy@plain-co.cn', token: 'enc-send-legacy' });
    await db.collection('unsubscribes').insertOne({ _id: 'legacy@plain-co.cn' as never, at: new Date() });
    expect(await rewriteCampaignEmails(t.app.models)).toBeGreaterThanOrEqual(5); // 3 sends, 2 or 3 entries (a re-keyed one may come round again)
    const legacy = (await db.collection('campaignSends').findOne({ token: 'enc-send-legacy' }))!;
    expect(legacy.email).toMatch(/^enc1:k1:/);
    expect(legacy.emailKey).toBe(emailKey('legacy@plain-co.cn'));
    expect(await db.collection('unsubscribes').countDocuments({ _id: 'legacy@plain-co.cn' as never })).toBe(0);
    expect(await t.inspect.unsubscribes.findById(emailKey('Legacy@Plain-Co.cn')).lean()).toMatchObject({ email: 'legacy@plain-co.cn' });
    expect(await allUnsubscribes()).toHaveLength(2);
  });

  it('rotates keys: old values readable while listed, rewritten under the new key, then the old key can go', async () => {
    // an import waiting for its commit keeps its spreadsheet, sealed under k1
    pendingImport = await uploadImport(['客户名称,客户类型,联系电话', '待导入科技有限公司,公司,13677778888'].join('\n'));
    await reachStatus(pendingImport, 'ready');
    const pendingFile = (await t.inspect.imports.findById(pendingImport).lean())!.fileId;
    // the new key first, the old one still listed
    useFieldCipher(fieldCipherFromConfig({ FIELD_ENCRYPTION_KEYS: `k2:${k2.toString('base64')},k1:${k1.toString('base64')}`, BLIND_INDEX_KEY: blind1.toString('base64') }));
    expect((await call(rep, `/api/customers/${customerId}`)).body.phones).toEqual(['13912345678', '13655556666']);
    const counts = await rewriteEncryptedFields(t.app.models, new GridFsStorage(t.db.connection.db!), silent);
    expect(counts.customers).toBeGreaterThanOrEqual(1);
    const customer = (await raw('customers', customerId))!;
    expect([...customer.phones, customer.email, ...customer.dedupeContacts.phones]).toEqual(
      Array(customer.phones.length + 1 + customer.dedupeContacts.phones.length).fill(expect.stringMatching(/^enc1:k2:/)),
    );
    expect((await raw('contacts', contactId))!.phones[0]).toMatch(/^enc1:k2:/);
    expect(counts).toMatchObject({ importRows: 3, importFiles: 1 });
    expect(counts.webhooks).toBeGreaterThanOrEqual(2);
    expect((await t.db.connection.db!.collection('webhookDeliveries').findOne({ subscriptionId: new Types.ObjectId(hookId) }))!.body).toMatch(/^enc1:k2:/);
    const resealed = (await t.inspect.imports.findById(pendingImport).lean())!.fileId;
    expect(resealed).not.toBe(pendingFile);
    expect(await t.db.connection.db!.collection('files.files').countDocuments({ _id: new Types.ObjectId(pendingFile) })).toBe(0);
    const row = (await t.db.connection.db!.collection('import_rows').findOne({ importId: new Types.ObjectId(pendingImport) }))!;
    expect([...row.cells, ...row.customer.phones]).toEqual(Array(row.cells.length + 1).fill(expect.stringMatching(/^enc1:k2:/)));

    // with only the new key, everything still reads; with only the old one, nothing would
    useFieldCipher(fieldCipherFromConfig({ FIELD_ENCRYPTION_KEYS: `k2:${k2.toString('base64')}`, BLIND_INDEX_KEY: blind1.toString('base64') }));
    expect((await call(rep, `/api/customers/${customerId}`)).body).toMatchObject({ phones: ['13912345678', '13655556666'], email: 'ceo@secret-co.cn' });
    // the pending import reads its resealed spreadsheet again under k2 alone
    const reread = await t.request(`/api/imports/${pendingImport}/settings`, { method: 'PUT', token: admin, json: {} });
    expect(reread.status).toBe(200);
    expect((await reachStatus(pendingImport, 'ready')).counts).toMatchObject({ rows: 1, valid: 1 });
    const onlyOld = new FieldCipher([{ id: 'k1', key: k1 }], blind1);
    expect(() => onlyOld.decrypt(customer.email)).toThrow(/no field key "k2"/);
  });

  it('rebuilds the blind indexes under a new blind index key', async () => {
    useFieldCipher(new FieldCipher([{ id: 'k2', key: k2 }], key()));
    // before the rewrite the old indexes no longer match: the duplicate check would miss
    const missed = await call(rep, `/api/customers?q=${encodeURIComponent('13912345678')}`);
    expect(missed.body.items.map((c: Json) => c.id)).not.toContain(customerId);
    await rewriteEncryptedFields(t.app.models, new GridFsStorage(t.db.connection.db!), silent);
    const found = await call(rep, `/api/customers?q=${encodeURIComponent('13912345678')}`);
    expect(found.body.items.map((c: Json) => c.id)).toContain(customerId);
    const again = await call(rep, '/api/customers', { method: 'POST', json: { type: 'person', name: '赵先生', source: '官网', phones: ['13655556666'] } });
    expect(again.status).toBe(409);
  });

  it('encrypts what was written before encryption, and finds it afterwards', async () => {
    const now = new Date();
    const user = (await t.inspect.users.findOne({ login: 'rep.east1' }).lean())!;
    const _id = new Types.ObjectId();
    await t.db.connection.db!.collection('customers').insertOne({
      _id, type: 'person', name: '旧数据', source: '官网', stage: 'lead', phones: ['13811112222'], email: 'old@plain.cn', tags: [],
      ownerId: user._id, ownerDepartmentId: user.departmentId, ownerSince: now, collaboratorIds: [], locked: false, pool: null, releases: [],
      lastFollowUpAt: null, nextFollowUpAt: null, needsCompletion: [], nameKey: '旧数据', pinyinKey: 'jiushuju', mobileKeys: ['13811112222'],
      searchTokens: ['t:13811112222'], dedupeKeys: ['m:13811112222'], createdBy: user._id, updatedBy: user._id, createdAt: now, updatedAt: now, deletedAt: null, version: 0,
    });
    // readable before the rewrite (plaintext passes through), not yet found by the new indexes
    expect((await call(rep, `/api/customers/${_id}`)).body.phones).toEqual(['13811112222']);
    await rewriteEncryptedFields(t.app.models, new GridFsStorage(t.db.connection.db!), silent);
    const stored = (await raw('customers', _id.toHexString()))!;
    expect(JSON.stringify(stored)).not.toContain('13811112222');
    expect(JSON.stringify(stored)).not.toContain('old@plain.cn');
    const found = await call(rep, `/api/customers?q=13811112222`);
    expect(found.body.items.map((c: Json) => c.id)).toContain(_id.toHexString());
    expect((await call(admin, `/api/customers/${_id}`)).body).toMatchObject({ phones: ['13811112222'], email: 'old@plain.cn' });
  });

  it("encrypts users' mobiles stored in plain text before, and rebuilds their blind index under a new blind key", async () => {
    const users = t.db.connection.db!.collection('users');
    const _id = new Types.ObjectId();
    const now = new Date();
    // as organisation sync wrote a user before: the number in plain text, indexed as it was
    await users.insertOne({ _id, login: 'wecom.legacy', name: '旧同步', role: 'rep', departmentId: null, isManager: false, active: true, mobile: '+86 138-2222-3333', email: 'legacy@corp.cn', accounts: { wecom: 'legacy' }, createdAt: now, updatedAt: now });
    await users.createIndex({ mobile: 1, active: 1 });
    const migrate = () => encryptUserMobiles.up({ db: t.db.connection.db!, models: t.app.models, logger: silent });
    await migrate();
    const stored = (await users.findOne({ _id }))!;
    expect(JSON.stringify(stored)).not.toMatch(/138-?2222|22223333|legacy@corp/);
    expect(stored.mobile).toMatch(/^enc1:/);
    expect(stored).not.toHaveProperty('email');
    expect((await users.listIndexes().toArray()).map((i) => i.name)).not.toContain('mobile_1_active_1');
    expect((await t.inspect.users.findOne({ mobileKey: mobileKey('13822223333'), active: true }).lean())?._id).toEqual(_id);
    await migrate(); // again: nothing changes but the ciphertext
    expect((await t.inspect.users.findOne({ _id }).lean())).toMatchObject({ mobile: '13822223333', mobileKey: mobileKey('13822223333') });

    // a new blind index key: the user is found by the new index once rewritten
    useFieldCipher(new FieldCipher([{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }], key()));
    expect(await t.inspect.users.findOne({ mobileKey: mobileKey('13822223333') }).lean()).toBeNull();
    const counts = await rewriteEncryptedFields(t.app.models, new GridFsStorage(t.db.connection.db!), silent);
    expect(counts.users).toBeGreaterThanOrEqual(1);
    expect((await t.inspect.users.findOne({ mobileKey: mobileKey('13822223333'), active: true }).lean())?._id).toEqual(_id);
  });

  it('refuses a query on an encrypted field instead of silently matching nothing', async () => {
    await expect(t.app.models.customers.findOne({ phones: '13912345678' }).lean()).rejects.toThrow(/encrypted and cannot be queried/);
    await expect(t.app.models.contacts.updateOne({ _id: new Types.ObjectId(contactId) }, { $addToSet: { phones: '13900000000' } })).rejects.toThrow(/encrypted/);
  });
});
