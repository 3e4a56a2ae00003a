import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface TimelineEvent {
  _id: Types.ObjectId;
  customerId: Types.ObjectId;
  at: Date;
  /** followUp, created, stageChanged, ownerChanged, released, claimed, contactAdded, contactUpdated, contactRemoved, … */
  type: string;
  actorId: Types.ObjectId | null;
  data: Record<string, unknown>;
  /** makes an event written twice (a retried request) land once */
  key?: string;
}

const timelineSchema = new Schema<TimelineEvent>(
  {
    customerId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    type: { type: String, required: true },
    actorId: { type: Schema.Types.ObjectId, default: null },
    data: { type: Schema.Types.Mixed, default: {} },
    key: { type: String, default: undefined },
  },
  { versionKey: false, minimize: false },
);

timelineSchema.index({ customerId: 1, at: -1, _id: -1 });
timelineSchema.index({ key: 1 }, { unique: true, sparse: true });
// what a team did in a day, by kind (the daily digest's stage moves)
timelineSchema.index({ type: 1, actorId: 1, at: 1 });

export type TimelineModel = Model<TimelineEvent>;

export function defineTimelineModel(connection: Connection): TimelineModel {
  return connection.model<TimelineEvent>('TimelineEvent', timelineSchema, 'timeline');
}
