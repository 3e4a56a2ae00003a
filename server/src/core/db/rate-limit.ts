// Per-minute counters in the database for public endpoints (tracking beacons, lead forms): every
// server process counts into the same document, so the limit holds however many run. Old minutes
// are purged by a job (TTL indexes never expire on the embedded engine).
import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock } from '../clock.ts';

interface RateCounter {
  /** `${name}:${minute}` */
  _id: string;
  count: number;
  at: Date;
}

const rateSchema = new Schema<RateCounter>({ _id: { type: String, required: true }, count: { type: Number, required: true }, at: { type: Date, required: true } }, { versionKey: false });
rateSchema.index({ at: 1 });

export type RateCounterModel = Model<RateCounter>;

export function defineRateCounterModel(connection: Connection): RateCounterModel {
  return connection.model<RateCounter>('RateCounter', rateSchema, 'rateCounters');
}

export class RateLimiter {
  private readonly deps: { counters: RateCounterModel; clock: Clock };

  constructor(deps: RateLimiter['deps']) {
    this.deps = deps;
  }

  /** Counts `amount` more for `name` this minute; false when that passes `perMinute`. */
  async allow(name: string, perMinute: number, amount = 1): Promise<boolean> {
    const now = this.deps.clock.now();
    const minute = Math.floor(now.getTime() / 60_000);
    const counter = await this.deps.counters
      .findOneAndUpdate({ _id: `${name}:${minute}` }, { $inc: { count: amount }, $setOnInsert: { at: now } }, { upsert: true, returnDocument: 'after' })
      .lean<RateCounter>();
    return (counter?.count ?? 0) <= perMinute;
  }

  /** Seconds until the next minute's counter starts: a refused caller's Retry-After. */
  secondsToNextMinute(): number {
    return 60 - Math.floor((this.deps.clock.now().getTime() % 60_000) / 1000);
  }

  /** Forgets counters older than an hour. */
  async purge(): Promise<number> {
    return (await this.deps.counters.deleteMany({ at: { $lt: new Date(this.deps.clock.now().getTime() - 3_600_000) } })).deletedCount;
  }
}
