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

/** A held lock, for work that may run longer than the lock's time to live. */
export interface Lease {
  /** Holds the lock for another time to live from now; false once another process has taken it over. */
  renew(): Promise<boolean>;
  /** Whether a renewal found the lock taken over: the work should stop. */
  readonly lost: boolean;
}

export interface TryWithOptions {
  ttlMs: number;
  /** how long to wait for another holder before giving up (0: not at all) */
  waitMs?: number;
  /**
   * Renew on a timer while the work runs, for work that cannot renew at its own checkpoints (a
   * migration's backfill). Work that can should call `renew()` itself: a timer keeps renewing
   * while the work hangs, and a hung holder then keeps everyone else out.
   */
  renewEveryMs?: number;
  /** called once if the lock is held by another process when first asked for */
  onWait?: () => void;
}

export class Locks {
  private readonly locks: LockModel;

  constructor(locks: LockModel) {
    this.locks = locks;
  }

  /** Runs `work` holding the lock `key`; waits up to `waitMs` for another holder, then CONFLICT. */
  async with<T>(key: string, work: () => Promise<T>, options: { ttlMs?: number; waitMs?: number } = {}): Promise<T> {
    const ttlMs = options.ttlMs ?? 10_000;
    const until = await this.acquire(key, ttlMs, options.waitMs ?? 5_000);
    if (!until) throw new AppError('CONFLICT');
    return this.holding(key, until, ttlMs, work);
  }

  /**
   * Runs `work` holding the lock if it can be had within `waitMs`; otherwise runs nothing and
   * answers null: another process is doing the same work right now.
   */
  async tryWith<T>(key: string, work: (lease: Lease) => Promise<T>, options: TryWithOptions): Promise<T | null> {
    const until = await this.acquire(key, options.ttlMs, options.waitMs ?? 0, options.onWait);
    return until ? this.holding(key, until, options.ttlMs, work, options.renewEveryMs) : null;
  }

  private async acquire(key: string, ttlMs: number, waitMs: number, onWait?: () => void): Promise<Date | null> {
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const until = await this.tryAcquire(key, ttlMs);
      if (until) return until;
      if (attempt === 0) onWait?.();
      if (Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** attempt, 200)));
    }
  }

  private async holding<T>(key: string, until: Date, ttlMs: number, work: (lease: Lease) => Promise<T>, renewEveryMs?: number): Promise<T> {
    let held = until;
    let lost = false;
    const lease: Lease = {
      renew: async () => {
        const next = new Date(Date.now() + ttlMs);
        const renewed = await this.locks.updateOne({ _id: key, until: held }, { $set: { until: next } });
        if (renewed.modifiedCount === 0) {
          lost = true;
          return false;
        }
        held = next;
        return true;
      },
      get lost() {
        return lost;
      },
    };
    let renewing: Promise<unknown> = Promise.resolve();
    // a renewal that fails (the database away for a moment) is tried again on the next tick
    const timer = renewEveryMs ? setInterval(() => (renewing = lease.renew().catch(() => false)), renewEveryMs) : null;
    try {
      return await work(lease);
    } finally {
      if (timer) clearInterval(timer);
      await renewing;
      await this.locks.deleteOne({ _id: key, until: held });
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
