// Tag groups admins define (需求, 风险, 客户类型 …): single or multiple choice, tags with colours.
// Customers carry tag names; a tag of a single-choice group replaces the group's other tag.
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';

export const tagGroupBody = z
  .object({
    name: z.string().trim().min(1).max(20),
    multi: z.boolean(),
    tags: z
      .array(z.object({ name: z.string().trim().min(1).max(30), color: z.string().regex(/^#[0-9a-fA-F]{6}$/) }).strict())
      .min(1)
      .max(50)
      .refine((tags) => new Set(tags.map((t) => t.name)).size === tags.length, { message: 'tag names must be unique' }),
  })
  .strict();

export type TagGroupInput = z.infer<typeof tagGroupBody>;

export interface TagGroup extends TagGroupInput {
  _id: string;
  order: number;
}

export const defaultTagGroups: TagGroup[] = [
  {
    _id: 'kind',
    name: '客户类型',
    multi: false,
    order: 1,
    tags: [
      { name: '新客户', color: '#1989fa' },
      { name: '老客户', color: '#07c160' },
      { name: '战略客户', color: '#ee0a24' },
    ],
  },
  {
    _id: 'needs',
    name: '需求',
    multi: true,
    order: 2,
    tags: [
      { name: '价格敏感', color: '#ff976a' },
      { name: '重视服务', color: '#1989fa' },
      { name: '有预算', color: '#07c160' },
      { name: '决策周期长', color: '#7232dd' },
    ],
  },
  {
    _id: 'risk',
    name: '风险',
    multi: true,
    order: 3,
    tags: [
      { name: '回款慢', color: '#ee0a24' },
      { name: '接触竞品', color: '#ff976a' },
      { name: '关键人变动', color: '#ed6a0c' },
    ],
  },
];

const tagGroupSchema = new Schema<TagGroup>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    multi: { type: Boolean, required: true },
    order: { type: Number, default: 0 },
    tags: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false },
);
tagGroupSchema.index({ order: 1, _id: 1 });

export type TagGroupModel = Model<TagGroup>;

export function defineTagGroupModel(connection: Connection): TagGroupModel {
  return connection.model<TagGroup>('TagGroup', tagGroupSchema, 'tagGroups');
}
