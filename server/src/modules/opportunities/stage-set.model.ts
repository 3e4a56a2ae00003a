// Stage sets are data admins edit: each opportunity follows one set (new business, renewal …),
// whose stages carry a win probability and end in one won and one lost stage.
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';

export const stageBody = z
  .object({
    key: z.string().regex(/^[a-z][a-zA-Z0-9]{0,31}$/),
    name: z.string().trim().min(1).max(20),
    probability: z.number().int().min(0).max(100),
    kind: z.enum(['open', 'won', 'lost']),
  })
  .strict();

export const stageSetBody = z
  .object({
    name: z.string().trim().min(1).max(20),
    stages: z
      .array(stageBody)
      .min(3)
      .max(12)
      .refine((stages) => new Set(stages.map((s) => s.key)).size === stages.length, { message: 'stage keys must be unique' })
      .refine((stages) => stages.filter((s) => s.kind === 'won').length === 1 && stages.filter((s) => s.kind === 'lost').length === 1, {
        message: 'exactly one won and one lost stage',
      })
      .refine((stages) => stages.some((s) => s.kind === 'open'), { message: 'at least one open stage' }),
  })
  .strict();

export type Stage = z.infer<typeof stageBody>;
export type StageSetInput = z.infer<typeof stageSetBody>;

export interface StageSet extends StageSetInput {
  _id: string;
  order: number;
}

export const defaultStageSets: StageSet[] = [
  {
    _id: 'new',
    name: '新业务',
    order: 1,
    stages: [
      { key: 'initial', name: '初步接触', probability: 10, kind: 'open' },
      { key: 'needs', name: '需求确认', probability: 30, kind: 'open' },
      { key: 'proposal', name: '方案报价', probability: 50, kind: 'open' },
      { key: 'negotiation', name: '商务谈判', probability: 70, kind: 'open' },
      { key: 'won', name: '赢单', probability: 100, kind: 'won' },
      { key: 'lost', name: '输单', probability: 0, kind: 'lost' },
    ],
  },
  {
    _id: 'renewal',
    name: '续约',
    order: 2,
    stages: [
      { key: 'reminded', name: '续约沟通', probability: 40, kind: 'open' },
      { key: 'quoted', name: '续约报价', probability: 70, kind: 'open' },
      { key: 'won', name: '续约成功', probability: 100, kind: 'won' },
      { key: 'lost', name: '未续约', probability: 0, kind: 'lost' },
    ],
  },
];

const stageSetSchema = new Schema<StageSet>(
  { _id: { type: String, required: true }, name: { type: String, required: true }, order: { type: Number, default: 0 }, stages: { type: Schema.Types.Mixed, required: true } },
  { versionKey: false },
);

stageSetSchema.index({ order: 1, _id: 1 });

export type StageSetModel = Model<StageSet>;

export function defineStageSetModel(connection: Connection): StageSetModel {
  return connection.model<StageSet>('StageSet', stageSetSchema, 'stageSets');
}
