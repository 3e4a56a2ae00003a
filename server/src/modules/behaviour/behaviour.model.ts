// Behaviour data from the company's websites and mini-programs: the sites allowed to send it, the
// raw events, what older events were rolled up into, and which visitor is which customer.
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const eventTypes = ['page_view', 'download', 'form_submit', 'inquiry'] as const;
export type EventType = (typeof eventTypes)[number];

export interface TrackingSite {
  _id: Types.ObjectId;
  name: string;
  /** public: it sits in the site's pages; it names the site, the origins check where it is used */
  key: string;
  origins: string[];
  active: boolean;
  createdAt: Date;
}

export interface BehaviourEvent {
  _id: Types.ObjectId;
  siteId: Types.ObjectId;
  visitorId: string;
  customerId: Types.ObjectId | null;
  type: EventType;
  url: string;
  title: string | null;
  at: Date;
}

/** Events older than the retention age, counted per customer, site, day and type. */
export interface EventDaily {
  _id: string;
  customerId: Types.ObjectId | null;
  siteId: Types.ObjectId;
  day: string;
  type: EventType;
  count: number;
}

export interface Visitor {
  /** `${siteId}:${visitorId}` */
  _id: string;
  customerId: Types.ObjectId;
  identifiedAt: Date;
}

const siteSchema = new Schema<TrackingSite>(
  { name: { type: String, required: true }, key: { type: String, required: true }, origins: { type: [String], required: true }, active: { type: Boolean, default: true }, createdAt: { type: Date, required: true } },
  { versionKey: false },
);
siteSchema.index({ key: 1 }, { unique: true });
siteSchema.index({ createdAt: -1 });

const eventSchema = new Schema<BehaviourEvent>(
  {
    siteId: { type: Schema.Types.ObjectId, required: true },
    visitorId: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, default: null },
    type: { type: String, required: true, enum: eventTypes },
    url: { type: String, required: true },
    title: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
eventSchema.index({ customerId: 1, at: -1 });
eventSchema.index({ siteId: 1, visitorId: 1, at: -1 });
// retention walks the oldest events first
eventSchema.index({ at: 1 });

const dailySchema = new Schema<EventDaily>(
  {
    _id: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, default: null },
    siteId: { type: Schema.Types.ObjectId, required: true },
    day: { type: String, required: true },
    type: { type: String, required: true },
    count: { type: Number, required: true },
  },
  { versionKey: false },
);
dailySchema.index({ customerId: 1, day: -1 });

const visitorSchema = new Schema<Visitor>(
  { _id: { type: String, required: true }, customerId: { type: Schema.Types.ObjectId, required: true }, identifiedAt: { type: Date, required: true } },
  { versionKey: false },
);
// a customer merge moves a customer's identified visitors
visitorSchema.index({ customerId: 1 });


export function defineBehaviourModels(connection: Connection) {
  return {
    trackingSites: connection.model<TrackingSite>('TrackingSite', siteSchema, 'trackingSites') as Model<TrackingSite>,
    events: connection.model<BehaviourEvent>('BehaviourEvent', eventSchema, 'behaviourEvents') as Model<BehaviourEvent>,
    eventDaily: connection.model<EventDaily>('EventDaily', dailySchema, 'behaviourDaily') as Model<EventDaily>,
    visitors: connection.model<Visitor>('Visitor', visitorSchema, 'behaviourVisitors') as Model<Visitor>,
  };
}

export type BehaviourModels = ReturnType<typeof defineBehaviourModels>;
