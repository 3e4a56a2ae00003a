import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { z } from 'zod';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

/**
 * A segment's filter: the customer list's vocabulary, plus tags (all of / any of) and facts from
 * the transactions ("received at least X in the last N days", "no order in N days").
 */
export const segmentFilter = z
  .object({
    owner: z.union([objectId, z.literal('me')]).optional(),
    department: objectId.optional(),
    stage: z.enum(['lead', 'prospect', 'customer', 'lost']).optional(),
    level: z.string().max(20).optional(),
    industry: z.string().max(50).optional(),
    source: z.string().max(50).optional(),
    province: z.string().max(30).optional(),
    city: z.string().max(30).optional(),
    idleDays: z.number().int().min(0).max(3650).optional(),
    needsCompletion: z.boolean().optional(),
    keyword: z.string().trim().max(50).optional(),
    tagsAll: z.array(z.string().max(30)).max(10).optional(),
    tagsAny: z.array(z.string().max(30)).max(10).optional(),
    receivedAtLeast: z.object({ amountFen: z.number().int().min(0), withinDays: z.number().int().min(1).max(3650) }).strict().optional(),
    noOrderForDays: z.number().int().min(1).max(3650).optional(),
    /** seen on the company's site (behaviour events) within this many days */
    onSiteWithinDays: z.number().int().min(1).max(365).optional(),
  })
  .strict();

export const segmentBody = z.object({ name: z.string().trim().min(1).max(40), shared: z.boolean().default(false), filter: segmentFilter }).strict();

export type SegmentFilter = z.infer<typeof segmentFilter>;

export interface Segment {
  _id: Types.ObjectId;
  name: string;
  /** shared segments are visible to everyone (each still sees only their own customers in it) */
  shared: boolean;
  filter: SegmentFilter;
  ownerId: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const segmentSchema = new Schema<Segment>(
  {
    name: { type: String, required: true },
    shared: { type: Boolean, default: false },
    filter: { type: Schema.Types.Mixed, required: true },
    ownerId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
segmentSchema.index({ ownerId: 1, updatedAt: -1 });
segmentSchema.index({ shared: 1, updatedAt: -1 });

export type SegmentModel = Model<Segment>;

export function defineSegmentModel(connection: Connection): SegmentModel {
  return connection.model<Segment>('Segment', segmentSchema, 'segments');
}
