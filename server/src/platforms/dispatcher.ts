// One dispatcher for every platform's events. Platforms deliver at least once (they retry), so
// each event carries a key and acts once: the key is recorded under a unique index before the
// handler runs, and released again if the handler fails so a retry can act.
import { Schema, type Connection, type Model } from 'mongoose';
import type { Logger } from '../core/logger.ts';
import type { PlatformEvent } from './types.ts';

interface ProcessedEvent {
  _id: string;
  type: string;
  at: Date;
}

const processedEventSchema = new Schema<ProcessedEvent>(
  { _id: { type: String, required: true }, type: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
// old keys are purged by age (a job; TTL indexes never expire on the embedded engine)
processedEventSchema.index({ at: 1 });

export type ProcessedEventModel = Model<ProcessedEvent>;

export function defineProcessedEventModel(connection: Connection): ProcessedEventModel {
  return connection.model<ProcessedEvent>('ProcessedEvent', processedEventSchema, 'processedEvents');
}

type CardAction = Extract<PlatformEvent, { type: 'card.action' }>;
type BotMessage = Extract<PlatformEvent, { type: 'bot.message' }>;

export type DispatchResult = 'handled' | 'duplicate' | 'unhandled';

export class EventDispatcher {
  private readonly processed: ProcessedEventModel;
  private readonly logger: Logger;
  private readonly cardActions = new Map<string, (event: CardAction) => Promise<void>>();
  private botMessages: ((event: BotMessage) => Promise<void>) | null = null;
  private readonly seen: (userId: string, platform: string) => Promise<void>;

  /** `seen` learns which platform each user acts from: their next cards go there. */
  constructor(deps: { processed: ProcessedEventModel; logger: Logger; seen?: (userId: string, platform: string) => Promise<void> }) {
    this.processed = deps.processed;
    this.logger = deps.logger.child({ component: 'events' });
    this.seen = deps.seen ?? (async () => {});
  }

  onCardAction(action: string, handler: (event: CardAction) => Promise<void>): void {
    this.cardActions.set(action, handler);
  }

  onBotMessage(handler: (event: BotMessage) => Promise<void>): void {
    this.botMessages = handler;
  }

  async dispatch(event: PlatformEvent): Promise<DispatchResult> {
    const handler =
      event.type === 'card.action'
        ? this.cardActions.get(event.action)
        : this.botMessages;
    if (!handler) {
      this.logger.warn({ type: event.type, platform: event.platform }, 'no handler for event');
      return 'unhandled';
    }
    try {
      await this.processed.create({ _id: event.key, type: event.type, at: new Date() });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return 'duplicate';
      throw error;
    }
    try {
      await (handler as (e: PlatformEvent) => Promise<void>)(event);
      await this.seen(event.userId, event.platform).catch((error: unknown) => this.logger.warn({ err: error }, 'platform use not recorded'));
      return 'handled';
    } catch (error) {
      await this.processed.deleteOne({ _id: event.key });
      throw error;
    }
  }

  /** Forgets keys older than the platforms' retry windows. */
  async purge(olderThanMs = 7 * 86_400_000): Promise<number> {
    return (await this.processed.deleteMany({ at: { $lt: new Date(Date.now() - olderThanMs) } })).deletedCount;
  }
}
