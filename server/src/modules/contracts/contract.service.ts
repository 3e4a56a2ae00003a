// Contracts: drafts the owner (and the managers above) edit, numbers generated once, money in fen,
// a payment plan that must add up to the amount, and a status only the approval flow and the
// owner's explicit actions move. Every query runs under the request scope.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessDay } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import { nextInSequence, type SequenceModel } from '../../core/db/sequence.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { diffFields } from '../audit/audit.service.ts';
import type { CustomerService, RequestMeta } from '../customers/customer.service.ts';
import type { FileService } from '../files/file.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { StatsService } from '../stats/stats.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import type { AmendmentChanges } from '../approvals/approval.model.ts';
import type { AmendContractInput, CreateContractInput, UpdateContractInput } from './contract.input.ts';
import type { Contract, ContractModel, ContractStatus } from './contract.model.ts';
import { statusName } from './messages.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
export const yuan = (fen: number) => (fen / 100).toFixed(2);

/** States in which the owner may still change the contract. */
const editable: readonly ContractStatus[] = ['draft', 'rejected'];

const auditedFields = ['title', 'amountFen', 'signedOn', 'startOn', 'endOn', 'ownerId', 'items', 'plan', 'attachmentIds'] as const;

export interface ContractListQuery {
  status?: ContractStatus;
  customerId?: string;
  mine?: boolean;
  limit: number;
  cursor?: string;
}

export class ContractService {
  private readonly deps: {
    contracts: ContractModel;
    sequences: SequenceModel;
    customers: CustomerService;
    files: FileService;
    org: OrgService;
    audit: AuditService;
    timeline: TimelineService;
    stats: StatsService;
    clock: Clock;
  };

  constructor(deps: ContractService['deps']) {
    this.deps = deps;
  }

  /** The contract if the caller may see it; NOT_FOUND otherwise (never confirm it exists). */
  async find(scope: RequestScope, id: string): Promise<Contract> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const contract = await this.deps.contracts.findOne({ $and: [{ _id: oid(id) }, scope.filter('contract')] }).lean<Contract>();
    if (!contract) throw notFound();
    return contract;
  }

  /** The owner, the managers of the owner's department and above, directors and admins. */
  canManage(scope: RequestScope, contract: Contract): boolean {
    if (!scope.can('contract.edit')) return false;
    if (contract.ownerId.equals(scope.user.id) || scope.seesAll) return true;
    return scope.seesTeam && contract.ownerDepartmentId !== null && scope.departmentSubtree.includes(contract.ownerDepartmentId.toHexString());
  }

  requireManage(scope: RequestScope, contract: Contract): void {
    if (!this.canManage(scope, contract)) throw new AppError('FORBIDDEN', { messageKey: 'error.contract.notOwner' });
  }

  async create(scope: RequestScope, input: CreateContractInput, meta: RequestMeta) {
    scope.require('contract.edit');
    const customer = await this.deps.customers.requireFull(scope, input.customerId);
    const owner = input.ownerId ? await this.deps.customers.assertAssignable(scope, input.ownerId) : await this.self(scope);
    checkPlan({ amountFen: input.amount, plan: input.plan, startOn: input.startOn ?? null, endOn: input.endOn ?? null });
    const attachments = await this.attach(scope, input.attachmentIds, customer._id);
    const now = this.deps.clock.now();
    const day = businessDay(now).replaceAll('-', '');
    const number = `HT${day}${String(await nextInSequence(this.deps.sequences, `contract:${day}`)).padStart(4, '0')}`;
    const created = await this.deps.contracts.create({
      number,
      customerId: customer._id,
      opportunityId: input.opportunityId ? oid(input.opportunityId) : null,
      title: input.title,
      amountFen: input.amount,
      signedOn: input.signedOn ?? null,
      startOn: input.startOn ?? null,
      endOn: input.endOn ?? null,
      ownerId: owner.id,
      ownerDepartmentId: owner.departmentId,
      attachmentIds: attachments,
      items: lineItems(input.items),
      plan: instalments(input.plan),
      receivedFen: 0,
      status: 'draft',
      approvalId: null,
      amendmentId: null,
      approverIds: [],
      version: 1,
      createdBy: oid(scope.user.id),
    });
    await this.deps.audit.record(scope, meta.client, [{ action: 'contract.create', entity: 'contract', entityId: created._id, customerId: customer._id }]);
    await this.deps.timeline.append([
      { customerId: customer._id, type: 'contractCreated', actorId: scope.user.id, data: { contractId: created._id.toHexString(), number, title: input.title, amountFen: input.amount }, key: `contractCreated:${created._id}` },
    ]);
    return this.view(scope, created.toObject() as Contract);
  }

  async update(scope: RequestScope, id: string, input: UpdateContractInput, meta: RequestMeta) {
    const contract = await this.find(scope, id);
    this.requireManage(scope, contract);
    if (!editable.includes(contract.status)) {
      throw new AppError('CONFLICT', { messageKey: 'error.contract.notEditable', params: { status: statusName(contract.status, meta.locale) } });
    }
    const owner = input.ownerId && !contract.ownerId.equals(input.ownerId) ? await this.deps.customers.assertAssignable(scope, input.ownerId) : null;
    const next = {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.amount !== undefined ? { amountFen: input.amount } : {}),
      ...(input.signedOn !== undefined ? { signedOn: input.signedOn } : {}),
      ...(input.startOn !== undefined ? { startOn: input.startOn } : {}),
      ...(input.endOn !== undefined ? { endOn: input.endOn } : {}),
      ...(owner ? { ownerId: owner.id, ownerDepartmentId: owner.departmentId } : {}),
      ...(input.items !== undefined ? { items: lineItems(input.items) } : {}),
      ...(input.plan !== undefined ? { plan: instalments(input.plan) } : {}),
      ...(input.attachmentIds !== undefined ? { attachmentIds: await this.attach(scope, input.attachmentIds, contract.customerId) } : {}),
    };
    const merged = { ...contract, ...next };
    checkPlan({ amountFen: merged.amountFen, plan: merged.plan.map((p) => ({ dueOn: p.dueOn, amount: p.amountFen })), startOn: merged.startOn, endOn: merged.endOn });
    const updated = await this.deps.contracts
      .findOneAndUpdate({ _id: contract._id, version: input.version, status: { $in: editable } }, { $set: next, $inc: { version: 1 } }, { returnDocument: 'after' })
      .lean<Contract>();
    if (!updated) throw new AppError('CONFLICT', { messageKey: 'error.contract.versionConflict' });
    const changes = diffFields(contract as unknown as Record<string, unknown>, updated as unknown as Record<string, unknown>, auditedFields);
    await this.deps.audit.record(scope, meta.client, [{ action: 'contract.update', entity: 'contract', entityId: contract._id, customerId: contract.customerId, changes }]);
    return this.view(scope, updated);
  }

  async get(scope: RequestScope, id: string) {
    return this.view(scope, await this.find(scope, id));
  }

  async list(scope: RequestScope, query: ContractListQuery) {
    const conditions: Record<string, unknown>[] = [scope.filter('contract')];
    if (query.status) conditions.push({ status: query.status });
    if (query.customerId) conditions.push({ customerId: oid((await this.deps.customers.requireFull(scope, query.customerId))._id) });
    if (query.mine) conditions.push({ ownerId: oid(scope.user.id) });
    const position = decodeCursor(query.cursor);
    if (position) conditions.push(afterCursor('createdAt', -1, position, reviveDate));
    const rows = await this.deps.contracts.find({ $and: conditions }).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean<Contract[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (c) => c.createdAt);
    return { items: await this.views(scope, page), nextCursor };
  }

  /** approved → active (under way), active → completed, and termination with a reason. */
  async transition(scope: RequestScope, id: string, to: 'active' | 'completed' | 'terminated', reason: string | undefined, meta: RequestMeta) {
    const contract = await this.find(scope, id);
    this.requireManage(scope, contract);
    const from: Record<typeof to, ContractStatus[]> = { active: ['approved'], completed: ['active'], terminated: ['approved', 'active'] };
    if (to === 'terminated' && !reason?.trim()) throw new AppError('VALIDATION', { messageKey: 'error.contract.terminationReason' });
    const updated = await this.deps.contracts
      .findOneAndUpdate(
        { _id: contract._id, status: { $in: from[to] } },
        { $set: { status: to, ...(to === 'terminated' ? { terminationReason: reason!.trim() } : {}) }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      )
      .lean<Contract>();
    if (!updated) throw new AppError('CONFLICT', { messageKey: 'error.contract.badTransition', params: { status: statusName(contract.status, meta.locale) } });
    await this.deps.audit.record(scope, meta.client, [
      { action: `contract.${to}`, entity: 'contract', entityId: contract._id, customerId: contract.customerId, changes: [{ field: 'status', before: contract.status, after: to }], ...(reason ? { note: reason } : {}) },
    ]);
    await this.deps.timeline.append([
      { customerId: contract.customerId, type: 'contractStatus', actorId: scope.user.id, data: { contractId: contract._id.toHexString(), number: contract.number, status: to }, key: `contractStatus:${contract._id}:${to}` },
    ]);
    return this.view(scope, updated);
  }

  /** Moves a contract into approval, or back out of it; false when its status was not `from`. */
  async setApprovalState(contractId: Types.ObjectId, from: ContractStatus[], to: ContractStatus, approval?: { id: Types.ObjectId; approverIds: Types.ObjectId[] }): Promise<boolean> {
    const result = await this.deps.contracts.updateOne(
      { _id: contractId, status: { $in: from } },
      {
        $set: { status: to, ...(approval ? { approvalId: approval.id } : {}) },
        ...(approval ? { $addToSet: { approverIds: { $each: approval.approverIds } } } : {}),
        $inc: { version: 1 },
      },
    );
    return result.modifiedCount === 1;
  }

  /** Someone who now approves the contract (a leaver's successor) sees it, as its first approvers do. */
  async addApprover(contractId: Types.ObjectId, userId: Types.ObjectId): Promise<void> {
    await this.deps.contracts.updateOne({ _id: contractId }, { $addToSet: { approverIds: userId } });
  }

  /**
   * Checks an amendment of an approved contract and returns what it would change. Instalments
   * already paid into must stay (by id) and not drop below what was received.
   */
  async proposeAmendment(scope: RequestScope, id: string, input: AmendContractInput): Promise<{ contract: Contract; changes: AmendmentChanges }> {
    const contract = await this.find(scope, id);
    this.requireManage(scope, contract);
    if (contract.status !== 'approved' && contract.status !== 'active') {
      throw new AppError('CONFLICT', { messageKey: 'error.contract.badTransition', params: { status: statusName(contract.status, 'zh-CN') } });
    }
    if (contract.amendmentId) throw new AppError('CONFLICT', { messageKey: 'error.contract.amendPending' });
    if (contract.version !== input.version) throw new AppError('CONFLICT', { messageKey: 'error.contract.versionConflict' });
    const amountFen = input.amount ?? contract.amountFen;
    const plan = input.plan
      ? input.plan.map((p) => ({ _id: p.id && contract.plan.some((c) => c._id.equals(p.id!)) ? oid(p.id) : new Types.ObjectId(), dueOn: p.dueOn, amountFen: p.amount }))
      : input.amount !== undefined
        ? null
        : undefined;
    if (plan === null) throw new AppError('VALIDATION', { messageKey: 'error.contract.planSum', params: { plan: yuan(contract.amountFen), amount: yuan(amountFen) }, details: [{ path: 'plan', message: 'required with a new amount' }] });
    const newPlan = plan ?? contract.plan;
    checkPlan({ amountFen, plan: newPlan.map((p) => ({ dueOn: p.dueOn, amount: p.amountFen })), startOn: contract.startOn, endOn: input.endOn !== undefined ? input.endOn : contract.endOn });
    for (const paid of contract.plan.filter((p) => p.receivedFen > 0)) {
      const kept = newPlan.find((p) => p._id.equals(paid._id));
      if (!kept || kept.amountFen < paid.receivedFen) {
        throw new AppError('VALIDATION', { messageKey: 'error.contract.amendPaidInstalment', params: { no: paid.no, received: yuan(paid.receivedFen) }, details: [{ path: 'plan', message: `instalment ${paid.no}` }] });
      }
    }
    const changes: AmendmentChanges = {
      reason: input.reason,
      ...(input.title !== undefined && input.title !== contract.title ? { title: input.title } : {}),
      ...(input.endOn !== undefined && input.endOn !== contract.endOn ? { endOn: input.endOn } : {}),
      ...(amountFen !== contract.amountFen ? { amountFen } : {}),
      ...(plan ? { plan } : {}),
    };
    if (Object.keys(changes).length === 1) throw new AppError('VALIDATION', { messageKey: 'error.contract.amendNothing' });
    return { contract, changes };
  }

  /** Marks the contract as under amendment; false when someone changed it or began one first. */
  async startAmendment(contract: Contract, approval: { id: Types.ObjectId; approverIds: Types.ObjectId[] }): Promise<boolean> {
    const result = await this.deps.contracts.updateOne(
      { _id: contract._id, version: contract.version, amendmentId: null, status: { $in: ['approved', 'active'] } },
      { $set: { amendmentId: approval.id }, $addToSet: { approverIds: { $each: approval.approverIds } } },
    );
    return result.modifiedCount === 1;
  }

  /** An approved amendment takes effect; paid instalments keep what was received on them. */
  async applyAmendment(contractId: Types.ObjectId, approvalId: Types.ObjectId, changes: AmendmentChanges): Promise<void> {
    const contract = await this.byId(contractId);
    if (!contract || !contract.amendmentId?.equals(approvalId)) return;
    const plan = changes.plan
      ? [...changes.plan]
          .sort((a, b) => a.dueOn.localeCompare(b.dueOn))
          .map((p, index) => ({ _id: oid(p._id), no: index + 1, dueOn: p.dueOn, amountFen: p.amountFen, receivedFen: contract.plan.find((c) => c._id.equals(p._id))?.receivedFen ?? 0 }))
      : undefined;
    const applied = await this.deps.contracts.updateOne(
      { _id: contractId, amendmentId: approvalId },
      {
        $set: {
          amendmentId: null,
          ...(changes.title !== undefined ? { title: changes.title } : {}),
          ...(changes.endOn !== undefined ? { endOn: changes.endOn, endingAlertedAt: null } : {}),
          ...(changes.amountFen !== undefined ? { amountFen: changes.amountFen } : {}),
          ...(plan ? { plan } : {}),
        },
        $inc: { version: 1 },
      },
    );
    if (applied.modifiedCount && changes.amountFen !== undefined && contract.signedOn) {
      await this.deps.stats.add(contract.ownerId, contract.signedOn, 'signedFen', changes.amountFen - contract.amountFen);
    }
  }

  /** A contract approved: its amount counts as signed on its signing day. */
  async countSigned(contractId: Types.ObjectId): Promise<void> {
    const contract = await this.byId(contractId);
    if (contract?.signedOn) await this.deps.stats.add(contract.ownerId, contract.signedOn, 'signedFen', contract.amountFen);
  }

  async dropAmendment(contractId: Types.ObjectId, approvalId: Types.ObjectId): Promise<void> {
    await this.deps.contracts.updateOne({ _id: contractId, amendmentId: approvalId }, { $set: { amendmentId: null } });
  }

  /** Contracts being collected with an instalment due on one of these days (the payment rule). */
  async *scanInstalmentsDue(days: string[]): AsyncGenerator<Contract> {
    const filter: Record<string, unknown> = { 'plan.dueOn': { $in: days }, status: { $in: ['approved', 'active'] } };
    yield* this.deps.contracts.find(filter, { number: 1, customerId: 1, ownerId: 1, ownerDepartmentId: 1, plan: 1 }).lean<Contract[]>().cursor({ batchSize: 500 });
  }

  /** Contracts under way that end in [from, to] and whose owner has not been told yet. */
  async *scanEnding(from: string, to: string): AsyncGenerator<Contract> {
    const filter: Record<string, unknown> = { endingAlertedAt: null, status: { $in: ['approved', 'active'] }, endOn: { $gte: from, $lte: to } };
    yield* this.deps.contracts.find(filter, { number: 1, customerId: 1, ownerId: 1, endOn: 1 }).lean<Contract[]>().cursor({ batchSize: 500 });
  }

  async markEndingAlerted(ids: string[], at: Date): Promise<void> {
    if (ids.length) await this.deps.contracts.updateMany({ _id: { $in: ids.map(oid) } }, { $set: { endingAlertedAt: at } });
  }

  /** A leaver's open contracts go to whoever takes over their customers. */
  async handOver(fromUserId: string, toUserId: string): Promise<number> {
    const to = await this.deps.org.findUserById(toUserId);
    if (!to) return 0;
    const open: Record<string, unknown> = { ownerId: oid(fromUserId), status: { $in: ['draft', 'pending', 'approved', 'rejected', 'active'] } };
    const signed = await this.deps.contracts.find({ ...open, status: { $in: ['approved', 'active'] }, signedOn: { $ne: null } }, { amountFen: 1, signedOn: 1 }).lean<Contract[]>();
    const result = await this.deps.contracts.updateMany(open, { $set: { ownerId: to._id, ownerDepartmentId: to.departmentId }, $inc: { version: 1 } });
    // what they signed now counts for whoever carries the contracts on
    for (const c of signed) {
      await this.deps.stats.add(fromUserId, c.signedOn!, 'signedFen', -c.amountFen);
      await this.deps.stats.add(to._id, c.signedOn!, 'signedFen', c.amountFen);
    }
    return result.modifiedCount;
  }

  /** The raw contract, for the approval and payment services (no scope: they checked it). */
  async byId(id: Types.ObjectId): Promise<Contract | null> {
    return this.deps.contracts.findById(id).lean<Contract>();
  }

  private async self(scope: RequestScope): Promise<{ id: Types.ObjectId; departmentId: Types.ObjectId | null }> {
    return { id: oid(scope.user.id), departmentId: scope.user.departmentId ? oid(scope.user.departmentId) : null };
  }

  private async attach(scope: RequestScope, ids: string[], customerId: Types.ObjectId): Promise<Types.ObjectId[]> {
    if (ids.length === 0) return [];
    const attached = await this.deps.files.attach(scope, ids, customerId.toHexString());
    if (attached.length !== new Set(ids).size) throw new AppError('VALIDATION', { details: [{ path: 'attachmentIds', message: 'unknown file' }], messageKey: 'error.contract.unknownAttachment' });
    return attached.map(oid);
  }

  async view(scope: RequestScope, contract: Contract) {
    return (await this.views(scope, [contract]))[0]!;
  }

  private async views(scope: RequestScope, contracts: Contract[]) {
    const names = await this.deps.org.displayNames(contracts.map((c) => c.ownerId));
    const customers = await this.deps.customers.namesOf(contracts.map((c) => c.customerId));
    return contracts.map((c) => ({
      id: c._id.toHexString(),
      number: c.number,
      customer: { id: c.customerId.toHexString(), name: customers.get(c.customerId.toHexString()) ?? '' },
      opportunityId: c.opportunityId?.toHexString() ?? null,
      title: c.title,
      amountFen: c.amountFen,
      amount: yuan(c.amountFen),
      receivedFen: c.receivedFen,
      outstandingFen: c.amountFen - c.receivedFen,
      signedOn: c.signedOn,
      startOn: c.startOn,
      endOn: c.endOn,
      owner: { id: c.ownerId.toHexString(), name: names.get(c.ownerId.toHexString()) ?? '' },
      attachmentIds: c.attachmentIds.map((a) => a.toHexString()),
      items: c.items,
      plan: c.plan.map((p) => ({ id: p._id.toHexString(), no: p.no, dueOn: p.dueOn, amountFen: p.amountFen, receivedFen: p.receivedFen })),
      status: c.status,
      approvalId: c.approvalId?.toHexString() ?? null,
      amendmentId: c.amendmentId?.toHexString() ?? null,
      terminationReason: c.terminationReason ?? null,
      version: c.version,
      externalIds: c.externalIds ?? {},
      canEdit: this.canManage(scope, c) && editable.includes(c.status),
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
    }));
  }
}

function lineItems(items: CreateContractInput['items']) {
  return items.map((i) => ({ name: i.name, quantity: i.quantity, unitPriceFen: i.unitPrice, amountFen: Math.round(i.quantity * i.unitPrice) }));
}

function instalments(plan: CreateContractInput['plan']) {
  return [...plan].sort((a, b) => a.dueOn.localeCompare(b.dueOn)).map((p, index) => ({ _id: new Types.ObjectId(), no: index + 1, dueOn: p.dueOn, amountFen: p.amount, receivedFen: 0 }));
}

/** A plan, when given, adds up to the amount exactly; the end is not before the start. */
export function checkPlan(contract: { amountFen: number; plan: { dueOn: string; amount: number }[]; startOn: string | null; endOn: string | null }): void {
  if (contract.startOn && contract.endOn && contract.endOn < contract.startOn) {
    throw new AppError('VALIDATION', { messageKey: 'error.contract.dates', details: [{ path: 'endOn', message: 'before startOn' }] });
  }
  if (contract.plan.length === 0) return;
  const sum = contract.plan.reduce((total, p) => total + p.amount, 0);
  if (sum !== contract.amountFen) {
    throw new AppError('VALIDATION', {
      messageKey: 'error.contract.planSum',
      params: { plan: yuan(sum), amount: yuan(contract.amountFen) },
      details: [{ path: 'plan', message: `sums to ${yuan(sum)}, expected ${yuan(contract.amountFen)}` }],
    });
  }
}
