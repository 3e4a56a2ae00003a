// Versioned data migrations, run at start before the server takes traffic. Each has a stable id;
// the `migrations` collection records the ids applied, so each runs once per database. Several
// processes may start together: one holds the `migrations` lock (renewed while it works, expiring
// by itself if its holder dies) and the others wait for it, then find everything applied.
// No transactions on the embedded engine: a migration must be idempotent (run again after a crash
// between its work and its record, it changes nothing more).
import { Schema, type Connection, type Model } from 'mongoose';
import type { Logger } from '../logger.ts';
import { defineLockModel, Locks, type LockModel } from './locks.ts';

export interface Migration<Context> {
  /** `YYYY-MM-DD-what`: never renamed once released, it is what the database records */
  id: string;
  description: string;
  up(context: Context): Promise<void>;
}

interface AppliedMigration {
  _id: string;
  appliedAt: Date;
  durationMs: number;
}

const appliedSchema = new Schema<AppliedMigration>(
  { _id: { type: String, required: true }, appliedAt: { type: Date, required: true }, durationMs: { type: Number, required: true } },
  { versionKey: false },
);

export class MigrationError extends Error {
  readonly migrationId: string;
  constructor(migrationId: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`migration ${migrationId} failed: ${reason}. It was not recorded and the migrations after it did not run; fix the cause and start again.`, { cause });
    this.name = 'MigrationError';
    this.migrationId = migrationId;
  }
}

export interface RunMigrationsOptions<Context> {
  connection: Connection;
  migrations: readonly Migration<Context>[];
  context: Context;
  logger: Logger;
  /** the lock lapses this long after its holder stops renewing it (a crashed process) */
  lockTtlMs?: number;
  /** how long a process waits for another one's migrations before giving up */
  waitMs?: number;
}

const lockKey = 'migrations';
const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;

function appliedModel(connection: Connection): Model<AppliedMigration> {
  return (connection.models.Migration as Model<AppliedMigration> | undefined) ?? connection.model<AppliedMigration>('Migration', appliedSchema, 'migrations');
}

function lockModel(connection: Connection): LockModel {
  return (connection.models.Lock as LockModel | undefined) ?? defineLockModel(connection);
}

async function appliedIds(applied: Model<AppliedMigration>, ids: string[]): Promise<Set<string>> {
  const found = await applied.find({ _id: { $in: ids } }, { _id: 1 }).lean();
  return new Set(found.map((m) => m._id));
}

/** Applies, in order, the migrations this database has not recorded; returns the ids it applied. */
export async function runMigrations<Context>(options: RunMigrationsOptions<Context>): Promise<{ applied: string[] }> {
  const ids = options.migrations.map((m) => m.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length) throw new Error(`migration ids must be unique: ${repeated.join(', ')}`);
  const applied = appliedModel(options.connection);
  // every start of an up-to-date database: one indexed read, no lock
  if ((await appliedIds(applied, ids)).size === ids.length) return { applied: [] };

  const ttlMs = options.lockTtlMs ?? 60_000;
  const locks = new Locks(lockModel(options.connection));
  const result = await locks.tryWith(
    lockKey,
    async (lease) => {
      const done = await appliedIds(applied, ids); // another process may have applied them meanwhile
      const ran: string[] = [];
      for (const migration of options.migrations) {
        if (done.has(migration.id)) continue;
        if (lease.lost) throw new Error('lost the migrations lock (this process stalled past its time to live); start again');
        options.logger.info({ migration: migration.id }, `applying migration: ${migration.description}`);
        const started = Date.now();
        try {
          await migration.up(options.context);
        } catch (error) {
          throw new MigrationError(migration.id, error);
        }
        const durationMs = Date.now() - started;
        await applied.create({ _id: migration.id, appliedAt: new Date(), durationMs }).catch((error: unknown) => {
          if (!isDuplicateKey(error)) throw error; // recorded by a process that took over a lapsed lock
        });
        options.logger.info({ migration: migration.id, durationMs }, 'applied migration');
        ran.push(migration.id);
      }
      return { applied: ran };
    },
    {
      ttlMs,
      waitMs: options.waitMs ?? 10 * 60_000,
      // a migration's backfill has no checkpoints to renew at: renewed well before it lapses
      renewEveryMs: Math.max(ttlMs / 3, 10),
      onWait: () => options.logger.info('waiting for another process to finish the migrations'),
    },
  );
  if (!result) throw new Error('gave up waiting for another process to finish the migrations (lock "migrations" in the locks collection)');
  return result;
}
