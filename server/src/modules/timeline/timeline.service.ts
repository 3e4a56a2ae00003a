// The customer timeline: one ordered stream of what happened to a customer. Features append their
// events here; readers page through it newest first.
import { Types } from 'mongoose';
import type { Clock } from '../../core/clock.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { TimelineEvent, TimelineModel } from './timeline.model.ts';

export interface NewTimelineEvent {
  customerId: Types.ObjectId;
  type: string;
  actorId: Types.ObjectId | string | null;
  data?: Record<string, unknown>;
  at?: Date;
  /** idempotency: an event with a key already stored is not written again */
  key?: string;
}

export class TimelineService {
  private readonly deps: { timeline: TimelineModel; clock: Clock };

  constructor(deps: { timeline: TimelineModel; clock: Clock }) {
    this.deps = deps;
  }

  async append(events: NewTimelineEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.deps.clock.now();
    const docs = events.map((e) => ({
      customerId: e.customerId,
      type: e.type,
      actorId: e.actorId ? new Types.ObjectId(String(e.actorId)) : null,
      data: e.data ?? {},
      at: e.at ?? now,
      key: e.key,
    }));
    try {
      await this.deps.timeline.insertMany(docs, { ordered: false });
    } catch (error) {
      // keyed events already written by an earlier try are fine; anything else is not
      const writeErrors = (error as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
      const onlyDuplicates = writeErrors?.every((w) => (w.code ?? w.err?.code) === 11000);
      if (!onlyDuplicates) throw error;
    }
  }

  /** How many events of a kind these people caused in [from, to). */
  async countByActors(type: string, actorIds: string[], from: Date, to: Date): Promise<number> {
    if (actorIds.length === 0) return 0;
    return this.deps.timeline.countDocuments({ type, actorId: { $in: actorIds.map((id) => new Types.ObjectId(id)) }, at: { $gte: from, $lt: to } });
  }

  /** Newest first. */
  async page(customerId: Types.ObjectId, options: { cursor?: string; limit: number }) {
    const position = decodeCursor(options.cursor);
    const filter = position ? { $and: [{ customerId }, afterCursor('at', -1, position, reviveDate)] } : { customerId };
    const rows = await this.deps.timeline.find(filter).sort({ at: -1, _id: -1 }).limit(options.limit + 1).lean<TimelineEvent[]>();
    return pageOf(rows, options.limit, (e) => e.at);
  }
}
