// Short named locks in the database, for the few checks a unique index cannot express (two company
// names that are the same customer without being the same string). Any number of server processes
// share them; a lock left by a crashed process expires by itself. Expiry uses real time, never the
// injected business clock.
import { Schema, type Connection, type Model } from 'mongoose';
import { AppError } from '../errors.ts';

interface Lock {
  _id: string;
  until: Date;
}

const lockSchema = new Schema<Lock>({ _id: { type: String, required: true }, until: { type: Date, required: true } }, { versionKey: false });
// expired locks are taken over by the next acquirer, so nothing needs to delete them by time

export type LockModel = Model<Lock>;

export function defineLockModel(connection: Connection): LockModel {
  return connection.model<Lock>('Lock', lockSchema, 'locks');
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;

export class Locks {
  private readonly locks: LockModel;

  constructor(locks: LockModel) {
    this.locks = locks;
  }

  /** Runs `work` holding the lock `key`; waits up to `waitMs` for another holder, then CONFLICT. */
  async with<T>(key: string, work: () => Promise<T>, options: { ttlMs?: number; waitMs?: number } = {}): Promise<T> {
    const ttlMs = options.ttlMs ?? 10_000;
    const deadline = Date.now() + (options.waitMs ?? 5_000);
    let until: Date | null = null;
    for (let attempt = 0; !until; attempt++) {
      until = await this.tryAcquire(key, ttlMs);
      if (until) break;
      if (Date.now() > deadline) throw new AppError('CONFLICT');
      await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** attempt, 200)));
    }
    try {
      return await work();
    } finally {
      await this.locks.deleteOne({ _id: key, until });
    }
  }

  private async tryAcquire(key: string, ttlMs: number): Promise<Date | null> {
    const now = new Date();
    const until = new Date(now.getTime() + ttlMs);
    try {
      await this.locks.create({ _id: key, until });
      return until;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // held: take it over only if its holder's time is up
    const taken = await this.locks.findOneAndUpdate({ _id: key, until: { $lt: now } }, { $set: { until } }).lean();
    return taken ? until : null;
  }
}
