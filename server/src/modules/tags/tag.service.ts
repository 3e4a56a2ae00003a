// Tags on customers: the groups admins define, tagging one customer or every customer a filtered
// list matches, and who added each tag when (read back from the audit trail, where every change
// of a customer's tags is recorded with its actor and time).
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import { AppError } from '../../core/errors.ts';
import type { AuditModel } from '../audit/audit.model.ts';
import type { AuditService, ClientInfo } from '../audit/audit.service.ts';
import type { CustomerModel, Customer } from '../customers/customer.model.ts';
import type { CustomerFilter, CustomerService } from '../customers/customer.service.ts';
import type { OrgService } from '../org/org.service.ts';
import { defaultTagGroups, type TagGroup, type TagGroupInput, type TagGroupModel } from './tag-group.model.ts';

const tagName = z.string().trim().min(1).max(30);
export const tagChangeBody = z.object({ add: z.array(tagName).max(20).default([]), remove: z.array(tagName).max(20).default([]) }).strict();
export type TagChange = z.infer<typeof tagChangeBody>;

/** At most this many customers change in one bulk action (the list can be narrowed first). */
export const bulkLimit = 5000;

export class TagService {
  private readonly deps: {
    groups: TagGroupModel;
    customerModel: CustomerModel;
    customers: CustomerService;
    audit: AuditService;
    auditModel: AuditModel;
    org: OrgService;
  };

  constructor(deps: TagService['deps']) {
    this.deps = deps;
  }

  async seedDefaults(): Promise<void> {
    for (const group of defaultTagGroups) {
      await this.deps.groups.updateOne({ _id: group._id }, { $setOnInsert: { name: group.name, multi: group.multi, order: group.order, tags: group.tags } }, { upsert: true });
    }
  }

  async groups(): Promise<TagGroup[]> {
    return this.deps.groups.find({}).sort({ order: 1, _id: 1 }).lean<TagGroup[]>();
  }

  async saveGroup(scope: RequestScope, id: string, input: TagGroupInput): Promise<TagGroup> {
    scope.require('settings.manage');
    if (!/^[a-z][a-zA-Z0-9]{0,31}$/.test(id)) throw new AppError('VALIDATION', { details: [{ path: 'id', message: 'letters and digits' }] });
    const taken = (await this.groups()).filter((g) => g._id !== id).flatMap((g) => g.tags.map((t) => t.name));
    const clash = input.tags.find((t) => taken.includes(t.name));
    if (clash) throw new AppError('VALIDATION', { details: [{ path: 'tags', message: `${clash.name} is in another group` }] });
    const order = (await this.deps.groups.findById(id).lean<TagGroup>())?.order ?? (await this.groups()).length + 1;
    return this.deps.groups.findOneAndUpdate({ _id: id }, { $set: { ...input, order } }, { upsert: true, returnDocument: 'after' }).lean<TagGroup>().orFail();
  }

  /**
   * A customer's tags after a change: removals first, then additions, where a tag of a
   * single-choice group takes the place of the group's other tags.
   */
  private apply(current: string[], change: TagChange, groups: TagGroup[]): string[] {
    let tags = current.filter((t) => !change.remove.includes(t));
    for (const tag of change.add) {
      const group = groups.find((g) => g.tags.some((t) => t.name === tag));
      if (group && !group.multi) tags = tags.filter((t) => !group.tags.some((g) => g.name === t));
      if (!tags.includes(tag)) tags.push(tag);
    }
    return tags;
  }

  private checkChange(change: TagChange, groups: TagGroup[]): void {
    for (const group of groups.filter((g) => !g.multi)) {
      const inGroup = change.add.filter((t) => group.tags.some((g) => g.name === t));
      if (inGroup.length > 1) throw new AppError('VALIDATION', { details: [{ path: 'add', message: `${group.name} takes one tag` }] });
    }
  }

  /** Adds and removes tags on one customer the caller may edit. */
  async change(scope: RequestScope, customerId: string, change: TagChange, client: ClientInfo) {
    scope.require('customer.edit');
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const groups = await this.groups();
    this.checkChange(change, groups);
    const tags = await this.write([customer], change, groups, scope, client);
    return { tags: tags.get(customer._id.toHexString()) ?? customer.tags };
  }

  /** The same change on every customer the list's filters match (within scope), up to bulkLimit. */
  async bulk(scope: RequestScope, filter: CustomerFilter, change: TagChange, client: ClientInfo) {
    scope.require('customer.edit');
    const groups = await this.groups();
    this.checkChange(change, groups);
    const conditions = await this.deps.customers.filterConditions(scope, { ...filter, deleted: false });
    const matched = await this.deps.customers.countMatching(conditions);
    if (matched > bulkLimit) throw new AppError('VALIDATION', { details: [{ path: 'filter', message: `matches ${matched} customers; narrow it to ${bulkLimit} or fewer` }] });
    const ids = await this.deps.customers.idsMatching(conditions, bulkLimit);
    let updated = 0;
    for (let i = 0; i < ids.length; i += 500) {
      const batch = await this.deps.customerModel.find({ _id: { $in: ids.slice(i, i + 500) } }, { tags: 1 }).lean<Customer[]>();
      updated += (await this.write(batch, change, groups, scope, client)).size;
    }
    return { matched, updated };
  }

  /** Writes each customer's new tags under the tags it read, and records the change. */
  private async write(customers: Pick<Customer, '_id' | 'tags'>[], change: TagChange, groups: TagGroup[], scope: RequestScope, client: ClientInfo): Promise<Map<string, string[]>> {
    const written = new Map<string, string[]>();
    const records = [];
    for (const customer of customers) {
      const tags = this.apply(customer.tags, change, groups);
      if (tags.length === customer.tags.length && tags.every((t, i) => t === customer.tags[i])) continue;
      // the condition on the old tags keeps a concurrent change from being lost
      const unchanged = customer.tags.length ? { $size: customer.tags.length, $all: customer.tags } : { $size: 0 };
      const result = await this.deps.customerModel.updateOne({ _id: customer._id, tags: unchanged }, { $set: { tags } });
      if (result.modifiedCount === 0) continue;
      written.set(customer._id.toHexString(), tags);
      records.push({ action: 'customer.tags', entity: 'customer', entityId: customer._id, customerId: customer._id, changes: [{ field: 'tags', before: customer.tags, after: tags }] });
    }
    await this.deps.audit.record(scope, client, records);
    return written;
  }

  /** Each current tag of a customer with who added it and when (from the audit trail). */
  async history(scope: RequestScope, customerId: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const entries = await this.deps.auditModel
      .find({ entity: 'customer', entityId: customer._id })
      .sort({ at: -1, _id: -1 })
      .limit(1000)
      .lean<{ at: Date; actorId: Types.ObjectId | null; changes: { field: string; before: unknown; after: unknown }[] }[]>();
    const added = new Map<string, { at: Date; by: Types.ObjectId | null }>();
    // newest first: the first entry that brings a tag in is when it was last added
    for (const entry of entries) {
      for (const change of entry.changes.filter((c) => c.field === 'tags')) {
        const before = new Set((change.before as string[] | null) ?? []);
        for (const tag of (change.after as string[] | null) ?? []) if (!before.has(tag) && !added.has(tag)) added.set(tag, { at: entry.at, by: entry.actorId });
      }
    }
    const names = await this.deps.org.displayNames([...[...added.values()].map((a) => a.by), customer.createdBy]);
    const groups = await this.groups();
    return customer.tags.map((tag) => {
      const group = groups.find((g) => g.tags.some((t) => t.name === tag));
      // tags given when the customer was created carry no change of their own
      const when = added.get(tag) ?? { at: customer.createdAt, by: customer.createdBy };
      return {
        tag,
        group: group ? { id: group._id, name: group.name } : null,
        color: group?.tags.find((t) => t.name === tag)?.color ?? null,
        addedAt: when.at,
        addedBy: when.by ? { id: when.by.toHexString(), name: names.get(when.by.toHexString()) ?? '' } : null,
      };
    });
  }
}
