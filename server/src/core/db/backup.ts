// Backup and restore of a whole Kemai database through the driver: one gzipped file of canonical
// Extended JSON lines per collection (ObjectIds, Dates, Int32/Int64/Double and binary GridFS chunks
// keep their exact BSON types), their index definitions, and a manifest written last, so a
// directory without one is an unfinished backup. tools/backup.ts and tools/restore.ts are the CLIs.
//
// Consistency: each collection is read in _id order by one cursor, so no document is read twice,
// but collections are read one after another, not at one instant (the embedded engine has no
// sessions or snapshots). GridFS file documents are read before their chunks, and GridFS writes a
// file's chunks before its document, so every file in the backup has all its bytes. For a backup
// that is consistent across collections, take it while no server writes (see README "Operations").
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { BSON, type Db, type Document, type IndexDescription } from 'mongodb';

export const manifestFile = 'manifest.json';

export interface BackupCollection {
  name: string;
  /** relative to the backup directory */
  file: string;
  count: number;
  /** sha256 of the file as written, checked before a restore touches the database */
  sha256: string;
  /** as listIndexes answered, without _id_ */
  indexes: Document[];
}

export interface BackupManifest {
  format: 'kemai-backup';
  formatVersion: 1;
  kemaiVersion: string;
  database: string;
  startedAt: string;
  finishedAt: string;
  collections: BackupCollection[];
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** The collections to dump, a GridFS bucket's `.files` before its `.chunks` (see the header). */
async function collectionNames(db: Db): Promise<string[]> {
  const all = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => !name.startsWith('system.'));
  const rank = (name: string) => (name.endsWith('.chunks') ? 1 : 0);
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const fileNameOf = (collection: string) => `${encodeURIComponent(collection)}.ejson.gz`;

/** Writes a backup of `db` into `dir` (created if missing; refused if it holds a backup already). */
export async function backupDatabase(db: Db, dir: string, options: { kemaiVersion: string; onProgress?: (collection: string, count: number) => void }): Promise<BackupManifest> {
  await mkdir(dir, { recursive: true });
  if (existsSync(join(dir, manifestFile))) throw new BackupError(`${dir} holds a backup already; choose an empty directory`);
  const startedAt = new Date().toISOString();
  const collections: BackupCollection[] = [];
  for (const name of await collectionNames(db)) {
    const collection = db.collection(name);
    const indexes = (await collection.listIndexes().toArray()).filter((index) => index.name !== '_id_');
    const file = fileNameOf(name);
    let count = 0;
    const hash = createHash('sha256');
    // promoteValues: false keeps Int32, Double and Long as such, so they are written with their type
    const cursor = collection.find({}, { sort: { _id: 1 }, promoteValues: false, promoteBuffers: false, batchSize: 200 });
    const lines = async function* () {
      for await (const document of cursor) {
        count++;
        yield BSON.EJSON.stringify(document, { relaxed: false }) + '\n';
      }
    };
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(lines, createGzip(), hashing, createWriteStream(join(dir, file)));
    collections.push({ name, file, count, sha256: hash.digest('hex'), indexes });
    options.onProgress?.(name, count);
  }
  const manifest: BackupManifest = {
    format: 'kemai-backup',
    formatVersion: 1,
    kemaiVersion: options.kemaiVersion,
    database: db.databaseName,
    startedAt,
    finishedAt: new Date().toISOString(),
    collections,
  };
  await writeFile(join(dir, manifestFile), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

export async function readManifest(dir: string): Promise<BackupManifest> {
  const path = join(dir, manifestFile);
  if (!existsSync(path)) throw new BackupError(`${dir} holds no ${manifestFile}: not a Kemai backup, or one that did not finish`);
  const manifest = JSON.parse(await readFile(path, 'utf8')) as BackupManifest;
  if (manifest.format !== 'kemai-backup' || manifest.formatVersion !== 1) throw new BackupError(`${path}: not a Kemai backup of a format this version reads`);
  return manifest;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The collections of `db` that hold documents (a restore goes only into a database without any). */
export async function nonEmptyCollections(db: Db): Promise<string[]> {
  const names = await collectionNames(db);
  const found = await Promise.all(names.map(async (name) => ((await db.collection(name).findOne({}, { projection: { _id: 1 } })) ? name : null)));
  return found.filter((name) => name !== null);
}

function documents(path: string): Readable & AsyncIterable<string> {
  return createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity }) as unknown as Readable & AsyncIterable<string>;
}

/**
 * Loads the backup in `dir` into `db`, which must hold no documents, then creates the indexes the
 * backup recorded. Every file is checked against the manifest before anything is written.
 */
export async function restoreDatabase(db: Db, dir: string, options: { onProgress?: (collection: string, count: number) => void } = {}): Promise<BackupManifest> {
  const manifest = await readManifest(dir);
  for (const entry of manifest.collections) {
    const path = join(dir, entry.file);
    if (!existsSync(path) || (await sha256Of(path)) !== entry.sha256) throw new BackupError(`${path} is missing or damaged (its checksum differs from the manifest)`);
  }
  const occupied = await nonEmptyCollections(db);
  if (occupied.length) {
    throw new BackupError(
      `database ${db.databaseName} is not empty (${occupied.slice(0, 5).join(', ')}${occupied.length > 5 ? ', …' : ''} hold documents); restore into a new database or drop this one first`,
    );
  }
  for (const entry of manifest.collections) {
    const collection = db.collection(entry.name);
    let batch: Document[] = [];
    let batchBytes = 0;
    let count = 0;
    const flush = async () => {
      if (batch.length) await collection.insertMany(batch, { ordered: true, bypassDocumentValidation: true });
      count += batch.length;
      batch = [];
      batchBytes = 0;
    };
    for await (const line of documents(join(dir, entry.file))) {
      if (!line) continue;
      batch.push(BSON.EJSON.parse(line, { relaxed: false }) as Document);
      batchBytes += line.length;
      // bounded by bytes too: a batch of GridFS chunks is 255 kB a document
      if (batch.length >= 1000 || batchBytes >= 8 * 1024 * 1024) await flush();
    }
    await flush();
    if (count !== entry.count) throw new BackupError(`${entry.name}: restored ${count} documents, the manifest says ${entry.count}`);
    if (count === 0) await db.createCollection(entry.name).catch(() => undefined); // keep empty collections
    if (entry.indexes.length) {
      await collection.createIndexes(entry.indexes.map(({ v: _v, ns: _ns, key, ...rest }) => ({ key, ...rest }) as IndexDescription));
    }
    options.onProgress?.(entry.name, count);
  }
  return manifest;
}
