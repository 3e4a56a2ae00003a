// Backup and restore: the demo data and an uploaded file, dumped and loaded into a fresh database,
// come back identical to the byte and the BSON type; a restore refuses a database with data in it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BSON, type Db } from 'mongodb';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, restoreDatabase } from '../../server/src/core/db/backup.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { seedDemoCustomers } from '../../server/src/modules/demo/demo-seed.ts';
import { GridFsStorage } from '../../server/src/modules/files/file-storage.ts';
import { uniqueDbName } from '../helpers/database.ts';
import { repoRoot } from '../helpers/process.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const run = promisify(execFile);
let t: TestApp;
let source: Connection; // a plain connection: a backup reads every collection whole, by design
const opened: Connection[] = [];
const dirs: string[] = [];
let fileId = '';
let photo: Buffer;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kemai-backup-'));
  dirs.push(dir);
  return dir;
}

async function freshDatabase(): Promise<Connection> {
  const connection = await connectDatabase({ uri: t.db.uri, dbName: uniqueDbName('kemai_restore') });
  opened.push(connection);
  return connection;
}

/** Every document of every collection, in canonical Extended JSON: equal text means equal BSON. */
async function contents(db: Db): Promise<Record<string, string[]>> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.'));
  const out: Record<string, string[]> = {};
  for (const name of names.sort()) {
    const documents = await db.collection(name).find({}, { sort: { _id: 1 }, promoteValues: false }).toArray();
    out[name] = documents.map((d) => BSON.EJSON.stringify(d, { relaxed: false }));
  }
  return out;
}

async function indexesOf(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    out[name] = (await db.collection(name).listIndexes().toArray()).map((i) => `${i.name} ${JSON.stringify(i.key)} ${i.unique ? 'unique' : ''}${i.sparse ? 'sparse' : ''}`).sort();
  }
  return out;
}

async function read(db: Db, id: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of new GridFsStorage(db).open(id)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  t = await startTestApp();
  await seedDemoCustomers(t.app.models, t.app.services.clock, { customers: 60, batchSize: 30 });
  // a photo of three GridFS chunks (255 kB each), uploaded as the app does
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  photo = Buffer.concat([png, randomBytes(600 * 1024)]);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(photo)]), '拜访照片.png');
  const uploaded = await t.request('/api/files', { method: 'POST', token: await t.login('rep.east1'), body: form });
  expect(uploaded.status).toBe(201);
  fileId = ((await uploaded.json()) as { id: string }).id;
  source = await connectDatabase({ uri: t.db.uri, dbName: t.db.dbName });
  // BSON types JSON would lose: each must come back as itself
  await source.db!.collection('bsonTypes').insertOne({
    int: new BSON.Int32(7),
    long: BSON.Long.fromString('9007199254740993'),
    double: new BSON.Double(1),
    decimal: BSON.Decimal128.fromString('12345.6789'),
    uuid: new BSON.Binary(randomBytes(16), BSON.Binary.SUBTYPE_UUID),
    nested: [{ at: new Date('2026-11-24T08:00:00Z'), nothing: null, re: /客户/i }],
    '键.名': 'dots and non-ASCII in a name',
  });
});

afterAll(async () => {
  for (const connection of opened) await connection.dropDatabase().then(() => connection.close());
  await source.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('backup and restore', () => {
  it('restores every collection document for document, and the uploaded file byte for byte', async () => {
    const dir = tempDir();
    const manifest = await backupDatabase(source.db!, dir, { kemaiVersion: '0.1.0' });
    const before = await contents(source.db!);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['customers', 'contacts', 'followUps', 'users', 'files.files', 'files.chunks', 'bsonTypes']));
    expect(before['customers']!.length).toBe(60);
    expect(before['files.chunks']!.length).toBe(3);
    expect(manifest).toMatchObject({ format: 'kemai-backup', kemaiVersion: '0.1.0', database: t.db.dbName });
    expect(manifest.collections.find((c) => c.name === 'customers')!.count).toBe(60);
    // a bucket's file documents are read before its chunks (see backup.ts)
    const order = manifest.collections.map((c) => c.name);
    expect(order.indexOf('files.files')).toBeLessThan(order.indexOf('files.chunks'));

    const target = await freshDatabase();
    await restoreDatabase(target.db!, dir);
    expect(await contents(target.db!)).toEqual(before);
    expect(await indexesOf(target.db!)).toEqual(await indexesOf(source.db!));
    expect((await read(target.db!, fileId)).equals(photo)).toBe(true);
  });

  it('refuses to restore into a database that holds documents, and changes nothing there', async () => {
    const dir = tempDir();
    await backupDatabase(source.db!, dir, { kemaiVersion: '0.1.0' });
    const target = await freshDatabase();
    await target.db!.collection('customers').insertOne({ name: '已有数据' });
    await expect(restoreDatabase(target.db!, dir)).rejects.toThrow(/is not empty \(customers hold documents\); restore into a new database/);
    expect(await target.db!.collection('customers').countDocuments()).toBe(1);
    expect(await target.db!.collection('users').countDocuments()).toBe(0);
  });

  it('refuses a damaged or unfinished backup before writing anything, and never overwrites one', async () => {
    const dir = tempDir();
    const manifest = await backupDatabase(source.db!, dir, { kemaiVersion: '0.1.0' });
    await expect(backupDatabase(source.db!, dir, { kemaiVersion: '0.1.0' })).rejects.toThrow(/holds a backup already/);
    writeFileSync(join(dir, manifest.collections.find((c) => c.name === 'contacts')!.file), 'not gzip');
    const target = await freshDatabase();
    await expect(restoreDatabase(target.db!, dir)).rejects.toThrow(/missing or damaged/);
    expect(await target.db!.listCollections().toArray()).toEqual([]);
    await expect(restoreDatabase(target.db!, tempDir())).rejects.toThrow(/holds no manifest\.json/);
  });

  it('works as `npm run backup -- <dir>` and `npm run restore -- <dir>`', async () => {
    const dir = join(tempDir(), 'nightly');
    const targetName = uniqueDbName('kemai_restore');
    const env = (dbName: string) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MONGODB_URI: t.db.uri, MONGODB_DB: dbName });
    const backup = await run('npm', ['run', '--silent', 'backup', '--', dir], { cwd: repoRoot, env: env(t.db.dbName) });
    expect(backup.stdout).toMatch(/backed up \d+ collections/);
    expect(readdirSync(dir)).toContain('manifest.json');
    const restore = await run('npm', ['run', '--silent', 'restore', '--', dir], { cwd: repoRoot, env: env(targetName) });
    expect(restore.stdout).toMatch(/restored \d+ collections \(Kemai 0\.1\.0/);
    const target = await connectDatabase({ uri: t.db.uri, dbName: targetName });
    opened.push(target);
    expect(await contents(target.db!)).toEqual(await contents(source.db!));
    // into the same, now full, database again: refused with the reason, exit code 1
    const again = await run('npm', ['run', '--silent', 'restore', '--', dir], { cwd: repoRoot, env: env(targetName) }).catch((e: { code: number; stderr: string }) => e);
    expect((again as { code: number }).code).toBe(1);
    expect((again as { stderr: string }).stderr).toMatch(/kemai: database kemai_restore_\w+ is not empty/);
  });
});
