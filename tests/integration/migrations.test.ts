// Data migrations: each applied once per database however many processes start together, nothing
// applied twice, a failing one stops start-up unrecorded; and the real first migrations.
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { buildApp } from '../../server/src/app.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { MigrationError, runMigrations, type Migration } from '../../server/src/core/db/migrations.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { migrations as released } from '../../server/src/migrations/index.ts';
import { openTestDatabase, uniqueDbName, type TestDatabase } from '../helpers/database.ts';

const logger = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let db: TestDatabase;
const opened: Connection[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  for (const connection of opened) await connection.close();
  // one-off migrations scan their collection once; what matters is that the engine runs them
  expect(db.unportable).toEqual([]);
  await db.drop();
});

/** A second process's connection to the same database. */
async function process2(dbName = db.dbName): Promise<Connection> {
  const connection = await connectDatabase({ uri: db.uri, dbName });
  opened.push(connection);
  return connection;
}

/** A migration that counts its runs in `probe` and takes a while, so runners overlap. */
function counting(id: string, connection: Connection, ms = 150): Migration<null> {
  return {
    id,
    description: `probe ${id}`,
    async up() {
      await connection.db!.collection('probe').updateOne({ _id: id as never }, { $inc: { runs: 1 } }, { upsert: true });
      await sleep(ms);
    },
  };
}

describe('runMigrations', () => {
  it('applies each migration exactly once when two processes start together, and nothing on a rerun', async () => {
    const dbName = uniqueDbName('kemai_migrate');
    const [a, b] = [await process2(dbName), await process2(dbName)];
    const list = (c: Connection) => [counting('2026-01-01-one', c), counting('2026-01-02-two', c)];
    const [first, second] = await Promise.all([
      runMigrations({ connection: a, migrations: list(a), context: null, logger }),
      runMigrations({ connection: b, migrations: list(b), context: null, logger }),
    ]);
    // one of them did the work; the other waited for the lock and found it done
    expect([...first.applied, ...second.applied].sort()).toEqual(['2026-01-01-one', '2026-01-02-two']);
    expect([first.applied.length, second.applied.length].sort()).toEqual([0, 2]);
    const probe = await a.db!.collection('probe').find().sort({ _id: 1 }).toArray();
    expect(probe.map((p) => [p._id, p.runs])).toEqual([
      ['2026-01-01-one', 1],
      ['2026-01-02-two', 1],
    ]);
    const recorded = await a.db!.collection('migrations').find().sort({ _id: 1 }).toArray();
    expect(recorded.map((m) => m._id)).toEqual(['2026-01-01-one', '2026-01-02-two']);
    expect(recorded[0]!.appliedAt).toBeInstanceOf(Date);
    expect(await a.db!.collection('locks').countDocuments({ _id: 'migrations' as never })).toBe(0); // released

    expect(await runMigrations({ connection: b, migrations: list(b), context: null, logger })).toEqual({ applied: [] });
    // a new one appended later is the only one applied
    const more = [...list(a), counting('2026-02-01-three', a, 0)];
    expect(await runMigrations({ connection: a, migrations: more, context: null, logger })).toEqual({ applied: ['2026-02-01-three'] });
    await a.db!.dropDatabase();
  });

  it('stops at a failing migration with a clear error, records neither it nor what follows, and carries on once fixed', async () => {
    const dbName = uniqueDbName('kemai_migrate');
    const c = await process2(dbName);
    let laterRan = false;
    const later: Migration<null> = { id: '2026-01-03-later', description: 'later', up: async () => void (laterRan = true) };
    const broken: Migration<null> = {
      id: '2026-01-02-broken',
      description: 'broken',
      up: async () => {
        throw new Error('field x is not a date');
      },
    };
    const list = [counting('2026-01-01-fine', c, 0), broken, later];
    const failure = await runMigrations({ connection: c, migrations: list, context: null, logger }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migrationId).toBe('2026-01-02-broken');
    expect((failure as Error).message).toMatch(/^migration 2026-01-02-broken failed: field x is not a date\. It was not recorded/);
    expect(laterRan).toBe(false);
    const recorded = async () => (await c.db!.collection('migrations').find().sort({ _id: 1 }).toArray()).map((m) => m._id);
    expect(await recorded()).toEqual(['2026-01-01-fine']);
    // the lock is released, so the next start (with the fix) does not wait for it to lapse
    expect(await c.db!.collection('locks').countDocuments({ _id: 'migrations' as never })).toBe(0);

    const fixed = { ...broken, up: async () => undefined };
    const again = await runMigrations({ connection: c, migrations: [list[0]!, fixed, later], context: null, logger });
    expect(again.applied).toEqual(['2026-01-02-broken', '2026-01-03-later']);
    expect(laterRan).toBe(true);
    await c.db!.dropDatabase();
  });

  it("takes over the lock of a process that died holding it, once it lapses", async () => {
    const dbName = uniqueDbName('kemai_migrate');
    const c = await process2(dbName);
    const lapsesAt = Date.now() + 400;
    await c.db!.collection('locks').insertOne({ _id: 'migrations' as never, until: new Date(lapsesAt) });
    const result = await runMigrations({ connection: c, migrations: [counting('2026-01-01-one', c, 0)], context: null, logger });
    expect(result.applied).toEqual(['2026-01-01-one']);
    expect(Date.now()).toBeGreaterThanOrEqual(lapsesAt);
    await c.db!.dropDatabase();
  });

  it('keeps the lock while a long migration runs past the lock time to live', async () => {
    const dbName = uniqueDbName('kemai_migrate');
    const [a, b] = [await process2(dbName), await process2(dbName)];
    const slow = (c: Connection) => [counting('2026-01-01-slow', c, 600)];
    const results = await Promise.all([
      runMigrations({ connection: a, migrations: slow(a), context: null, logger, lockTtlMs: 150 }),
      sleep(50).then(() => runMigrations({ connection: b, migrations: slow(b), context: null, logger, lockTtlMs: 150 })),
    ]);
    expect(results.map((r) => r.applied)).toEqual([['2026-01-01-slow'], []]);
    expect((await a.db!.collection('probe').findOne({ _id: '2026-01-01-slow' as never }))!.runs).toBe(1);
    await a.db!.dropDatabase();
  });
});

describe('the released migrations', () => {
  it('have unique ids in date order', () => {
    const ids = released.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^\d{4}-\d{2}-\d{2}-[a-z0-9-]+$/);
  });

  it('give contacts and customers from before edit versions version 0, once, leaving the rest alone', async () => {
    const app = buildApp({
      config: loadConfig({ NODE_ENV: 'test' }),
      logger,
      connection: db.connection,
      sessionSecret: 'test-secret-of-at-least-thirty-two-characters',
      h5DistDir: '/nonexistent',
    });
    const raw = db.connection.db!;
    const { insertedIds: contacts } = await raw.collection('contacts').insertMany([{ name: '旧联系人' }, { name: '新联系人', version: 3 }]);
    const { insertedIds: customers } = await raw.collection('customers').insertMany([{ name: '旧客户' }, { name: '新客户', version: 7 }]);

    const first = await app.migrate();
    expect(first.applied).toEqual(released.map((m) => m.id));
    expect(await raw.collection('contacts').findOne({ _id: contacts[0] })).toMatchObject({ version: 0 });
    expect(await raw.collection('contacts').findOne({ _id: contacts[1] })).toMatchObject({ version: 3 });
    expect(await raw.collection('customers').findOne({ _id: customers[0] })).toMatchObject({ version: 0 });
    expect(await raw.collection('customers').findOne({ _id: customers[1] })).toMatchObject({ version: 7 });

    // a contact written afterwards without one (say, restored from an old backup) is not touched again
    await raw.collection('contacts').insertOne({ name: '后来的' });
    expect(await app.migrate()).toEqual({ applied: [] });
    expect(await raw.collection('contacts').countDocuments({ version: { $exists: false } })).toBe(1);
  });
});
