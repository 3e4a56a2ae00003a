// Merging two customers into one (K8) and undoing it for 30 days. Every record of the merged
// customer (contacts, follow-ups, opportunities, contracts, orders, payments, tickets, files,
// timeline, behaviour…) moves to the survivor through the customer links; the ids moved are kept,
// so undo moves exactly those back. A merge cut off midway is finished by repeating the request.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { publishQuietly } from '../../core/event-data.ts';
import { noEvents, type EventPublisher } from '../../core/events.ts';
import type { CustomerLink } from '../../core/db/customer-links.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { AuditService, ClientInfo } from '../audit/audit.service.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { MergeChoices } from '../customers/customer-merge.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import type { DuplicateService } from './duplicate.service.ts';
import type { Merge, MergeModels } from './merge.model.ts';
import './messages.ts';

export interface MergeDeps {
  models: MergeModels;
  customers: CustomerService;
  contacts: ContactService;
  /** the review queue, whose pairs of the merged customer a merge settles */
  duplicates: Pick<DuplicateService, 'settleMerged' | 'reopenUnmerged'>;
  links: CustomerLink[];
  audit: AuditService;
  timeline: TimelineService;
  clock: Clock;
  /** customer.merged for webhooks */
  events?: EventPublisher;
}

const undoDays = 30;
const chunk = 5000;

export class MergeService {
  private readonly deps: MergeDeps;

  constructor(deps: MergeDeps) {
    this.deps = deps;
  }

  async merge(scope: RequestScope, survivorId: string, mergedId: string, choices: MergeChoices, client: ClientInfo) {
    const { survivor, merged, before, after } = await this.deps.customers.absorb(scope, survivorId, mergedId, choices);
    const now = this.deps.clock.now();
    const record = await this.deps.models.merges.create({
      survivorId: survivor._id,
      mergedId: merged._id,
      mergedName: merged.name,
      before,
      after,
      moved: {},
      status: 'moving',
      by: new Types.ObjectId(scope.user.id),
      at: now,
      undoUntil: new Date(now.getTime() + undoDays * 86_400_000),
    });
    await this.moveRecords(record.toObject() as Merge);
    await this.deps.duplicates.settleMerged(merged._id, scope.user.id);
    await this.deps.audit.record(scope, client, [
      { action: 'customer.merge', entity: 'customer', entityId: survivor._id, customerId: survivor._id, details: { mergeId: String(record._id), mergedId: String(merged._id), mergedName: merged.name, choices } },
      { action: 'customer.mergedInto', entity: 'customer', entityId: merged._id, customerId: merged._id, details: { mergeId: String(record._id), survivorId: String(survivor._id) } },
    ]);
    await this.deps.timeline.append([
      { customerId: survivor._id, type: 'merged', actorId: scope.user.id, data: { mergeId: String(record._id), mergedName: merged.name }, key: `merged:${record._id}` },
    ]);
    // one event, on the survivor: integrations re-point what they hold of the merged id to it
    await publishQuietly(this.deps.events ?? noEvents, [
      {
        type: 'customer.merged',
        entity: 'customer',
        entityId: survivor._id.toHexString(),
        data: {
          id: survivor._id.toHexString(),
          mergeId: String(record._id),
          mergedId: merged._id.toHexString(),
          mergedName: merged.name,
          ...(survivor.externalIds && Object.keys(survivor.externalIds).length ? { externalIds: survivor.externalIds } : {}),
          ...(merged.externalIds && Object.keys(merged.externalIds).length ? { mergedExternalIds: merged.externalIds } : {}),
        },
        occurredAt: now,
      },
    ]);
    return this.view(await this.deps.models.merges.findById(record._id).lean<Merge>());
  }

  /** Moves every linked record; safe to repeat (what moved already is not there to move again). */
  private async moveRecords(record: Merge): Promise<void> {
    const moved: Record<string, number> = { ...record.moved };
    for (const link of this.deps.links) {
      const ids = await link.move(record.mergedId, record.survivorId);
      for (let i = 0; i < ids.length; i += chunk) {
        await this.deps.models.mergeMoves.create({ mergeId: record._id, link: link.name, ids: ids.slice(i, i + chunk) });
      }
      moved[link.name] = (moved[link.name] ?? 0) + ids.length;
    }
    await this.deps.contacts.syncDedupe(record.survivorId);
    await this.deps.models.merges.updateOne({ _id: record._id }, { $set: { moved, status: 'done' } });
  }

  /** Finishes merges whose records did not all move (the process stopped midway). */
  async finishInterrupted(): Promise<number> {
    const stale = new Date(this.deps.clock.now().getTime() - 60_000);
    const open = await this.deps.models.merges.find({ status: 'moving', at: { $lt: stale } }).limit(100).lean<Merge[]>();
    for (const record of open) await this.moveRecords(record);
    return open.length;
  }

  private async find(scope: RequestScope, id: string): Promise<Merge> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const record = await this.deps.models.merges.findById(id).lean<Merge>();
    if (!record) throw notFound();
    await this.deps.customers.requireFull(scope, record.survivorId); // the survivor's scope is the merge's
    return record;
  }

  async get(scope: RequestScope, id: string) {
    return this.view(await this.find(scope, id));
  }

  /** Merges into a customer, newest first. */
  async ofCustomer(scope: RequestScope, customerId: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const records = await this.deps.models.merges.find({ survivorId: customer._id }).sort({ at: -1 }).limit(50).lean<Merge[]>();
    return { items: records.map((r) => this.view(r)) };
  }

  async undo(scope: RequestScope, id: string, client: ClientInfo) {
    scope.require('customer.delete');
    const record = await this.find(scope, id);
    if (record.status === 'undone') return this.view(record);
    if (record.status !== 'done') throw new AppError('CONFLICT', { messageKey: 'error.merge.inProgress' });
    if (this.deps.clock.now() > record.undoUntil) throw new AppError('CONFLICT', { messageKey: 'error.merge.undoExpired' });
    const claimed = await this.deps.models.merges.updateOne({ _id: record._id, status: 'done' }, { $set: { status: 'moving' } });
    if (claimed.modifiedCount === 0) throw new AppError('CONFLICT', { messageKey: 'error.merge.inProgress' });
    try {
      await this.deps.customers.revive(record.survivorId, record.mergedId, record.before, record.after);
    } catch (error) {
      await this.deps.models.merges.updateOne({ _id: record._id }, { $set: { status: 'done' } });
      throw error;
    }
    for (const link of this.deps.links) {
      for await (const move of this.deps.models.mergeMoves.find({ mergeId: record._id, link: link.name }).lean().cursor()) {
        await link.moveBack(move.ids as Types.ObjectId[], record.survivorId, record.mergedId);
      }
    }
    await this.deps.contacts.syncDedupe(record.survivorId);
    await this.deps.contacts.syncDedupe(record.mergedId);
    await this.deps.duplicates.reopenUnmerged(record.mergedId);
    const now = this.deps.clock.now();
    await this.deps.models.merges.updateOne({ _id: record._id }, { $set: { status: 'undone', undoneAt: now, undoneBy: new Types.ObjectId(scope.user.id) } });
    await this.deps.audit.record(scope, client, [
      { action: 'customer.unmerge', entity: 'customer', entityId: record.survivorId, customerId: record.survivorId, details: { mergeId: String(record._id), mergedId: String(record.mergedId) } },
    ]);
    await this.deps.timeline.append([
      { customerId: record.survivorId, type: 'unmerged', actorId: scope.user.id, data: { mergeId: String(record._id), mergedName: record.mergedName }, key: `unmerged:${record._id}` },
    ]);
    return this.view(await this.deps.models.merges.findById(record._id).lean<Merge>());
  }

  private view(record: Merge | null) {
    if (!record) throw notFound();
    return {
      id: String(record._id),
      survivorId: String(record.survivorId),
      mergedId: String(record.mergedId),
      mergedName: record.mergedName,
      moved: record.moved,
      status: record.status,
      at: record.at,
      undoUntil: record.undoUntil,
      canUndo: record.status === 'done' && this.deps.clock.now() <= record.undoUntil,
      undoneAt: record.undoneAt ?? null,
    };
  }
}
