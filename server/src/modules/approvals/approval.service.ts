// Contract approvals: submit routes a contract through its flow's steps, approvers are resolved
// from the organisation at submission and stored on the request, and each decision is one atomic
// write under the revision it read, so a second click, a retried callback or a stale card changes
// nothing. Cards go to each step's approvers and are updated once the step is decided.
import { Types } from 'mongoose';
import type { CardData } from '../../../../bot-cards/index.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { eventData, publishQuietly } from '../../core/event-data.ts';
import { noEvents, type EventPublisher } from '../../core/events.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { Logger } from '../../core/logger.ts';
import type { EventDispatcher } from '../../platforms/dispatcher.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { CardService } from '../cards/card.service.ts';
import type { ContractService } from '../contracts/contract.service.ts';
import type { Contract } from '../contracts/contract.model.ts';
import { statusName } from '../contracts/messages.ts';
import type { CustomerService, RequestMeta } from '../customers/customer.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import { defaultContractFlow, type ApprovalFlow, type ApprovalFlowInput, type ApprovalFlowModel, type FlowStep } from './approval-flow.model.ts';
import type { ApprovalModel, ApprovalRequest, ApprovalStep, Decision } from './approval.model.ts';
import type { AmendContractInput } from '../contracts/contract.input.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
/** The ids once each, in their order. */
const uniqueIds = (ids: Types.ObjectId[]) => ids.filter((id, i) => ids.findIndex((other) => other.equals(id)) === i);
const flowId = 'contract';
/** a decision that lost a race re-reads and tries again this many times before giving up */
const maxAttempts = 5;

export type Inbox = 'todo' | 'mine' | 'done';

export interface DecisionResult {
  outcome: 'decided' | 'stale';
  approval: ApprovalRequest;
}

export class ApprovalService {
  private readonly deps: {
    approvals: ApprovalModel;
    flows: ApprovalFlowModel;
    contracts: ContractService;
    customers: CustomerService;
    cards: CardService;
    org: OrgService;
    audit: AuditService;
    timeline: TimelineService;
    clock: Clock;
    logger: Logger;
    /** contract.approved and contract.rejected for webhooks */
    events?: EventPublisher;
  };

  constructor(deps: ApprovalService['deps']) {
    this.deps = deps;
  }

  // ---- flows ---------------------------------------------------------------------------------

  async seedDefaults(): Promise<void> {
    await this.deps.flows.updateOne({ _id: flowId }, { $setOnInsert: { bands: defaultContractFlow.bands } }, { upsert: true });
  }

  async flow(): Promise<ApprovalFlowInput> {
    const flow = await this.deps.flows.findById(flowId).lean<ApprovalFlow>();
    return { bands: flow?.bands ?? defaultContractFlow.bands };
  }

  /** Admins edit the flow; requests already submitted keep the approvers they were given. */
  async saveFlow(scope: RequestScope, input: ApprovalFlowInput): Promise<ApprovalFlowInput> {
    scope.require('settings.manage');
    await this.deps.flows.updateOne({ _id: flowId }, { $set: { bands: input.bands } }, { upsert: true });
    return input;
  }

  // ---- submitting ----------------------------------------------------------------------------

  async submit(scope: RequestScope, contractId: string, meta: RequestMeta) {
    const contract = await this.deps.contracts.find(scope, contractId);
    this.deps.contracts.requireManage(scope, contract);
    if (contract.status !== 'draft' && contract.status !== 'rejected') {
      throw new AppError('CONFLICT', { messageKey: 'error.contract.badTransition', params: { status: statusName(contract.status, meta.locale) } });
    }
    if (contract.amountFen > 0 && contract.plan.length === 0) throw new AppError('VALIDATION', { messageKey: 'error.contract.planRequired', details: [{ path: 'plan', message: 'required' }] });

    const steps = await this.resolveSteps(contract, scope.user.id);
    const id = new Types.ObjectId();
    const everyone = approversOf(steps);
    // the contract's status is the gate: of two submits at once, one moves it to pending
    if (!(await this.deps.contracts.setApprovalState(contract._id, ['draft', 'rejected'], 'pending', { id, approverIds: everyone }))) {
      throw new AppError('CONFLICT', { messageKey: 'error.contract.versionConflict' });
    }
    const approval = await this.open(id, 'contract', null, contract, scope.user.id, steps, contract.amountFen);
    await this.deps.audit.record(scope, meta.client, [{ action: 'contract.submit', entity: 'contract', entityId: contract._id, customerId: contract.customerId }]);
    await this.deps.timeline.append([
      { customerId: contract.customerId, type: 'contractSubmitted', actorId: scope.user.id, data: { contractId: contract._id.toHexString(), number: contract.number, approvalId: id.toHexString() }, key: `contractSubmitted:${id}` },
    ]);
    await this.sendStepCards(approval, 0);
    return this.view(approval);
  }

  /**
   * An amendment (合同变更) of an approved contract goes through the flow of its new amount; the
   * contract changes only once it is approved.
   */
  async amend(scope: RequestScope, contractId: string, input: AmendContractInput, meta: RequestMeta) {
    const { contract, changes } = await this.deps.contracts.proposeAmendment(scope, contractId, input);
    const amountFen = changes.amountFen ?? contract.amountFen;
    const steps = await this.resolveSteps(contract, scope.user.id, amountFen);
    const id = new Types.ObjectId();
    const everyone = approversOf(steps);
    if (!(await this.deps.contracts.startAmendment(contract, { id, approverIds: everyone }))) throw new AppError('CONFLICT', { messageKey: 'error.contract.versionConflict' });
    const approval = await this.open(id, 'amendment', changes, contract, scope.user.id, steps, amountFen);
    await this.deps.audit.record(scope, meta.client, [{ action: 'contract.amend', entity: 'contract', entityId: contract._id, customerId: contract.customerId, note: changes.reason }]);
    await this.sendStepCards(approval, 0);
    return this.view(approval);
  }

  /** Stores a request at its first step; the snapshot keeps what the approvers were shown. */
  private async open(
    id: Types.ObjectId,
    kind: ApprovalRequest['kind'],
    changes: ApprovalRequest['changes'],
    contract: Contract,
    submitterId: string,
    steps: ApprovalStep[],
    amountFen: number,
  ): Promise<ApprovalRequest> {
    const customerName = (await this.deps.customers.namesOf([contract.customerId])).get(contract.customerId.toHexString()) ?? '';
    const created = await this.deps.approvals.create({
      _id: id,
      kind,
      changes,
      contractId: contract._id,
      customerId: contract.customerId,
      submitterId: oid(submitterId),
      snapshot: { number: contract.number, title: changes?.title ?? contract.title, amountFen, customerName },
      steps,
      currentStep: 0,
      status: 'pending',
      pendingApproverIds: steps[0]!.approverIds,
      deciderIds: [],
      revision: 0,
      createdAt: this.deps.clock.now(),
      decidedAt: null,
    });
    return created.toObject() as ApprovalRequest;
  }

  /** The flow band for the amount, each step's approvers found in the organisation now. */
  private async resolveSteps(contract: Contract, submitterId: string, amountFen = contract.amountFen): Promise<ApprovalStep[]> {
    const { bands } = await this.flow();
    const band = [...bands].reverse().find((b) => b.fromFen <= amountFen) ?? bands[0]!;
    const steps: ApprovalStep[] = [];
    const now = this.deps.clock.now();
    const except = new Set([contract.ownerId.toHexString(), submitterId]);
    for (const [index, step] of band.steps.entries()) {
      const resolved = await this.approversFor(step, contract, submitterId);
      if (resolved.length === 0) throw new AppError('CONFLICT', { messageKey: 'error.approval.noApprover', params: { step: step.name } });
      // an approver who is away hands the step to their delegate (never to the owner or submitter)
      const away = await this.deps.org.delegatesOf(resolved, now);
      const delegations = [...away].filter(([, to]) => !except.has(to)).map(([from, to]) => ({ from: oid(from), to: oid(to) }));
      const approverIds = [...new Set(resolved.map((id) => delegations.find((d) => d.from.equals(id))?.to.toHexString() ?? id))];
      steps.push({ name: step.name, mode: step.mode, approverIds: approverIds.map(oid), status: index === 0 ? 'pending' : 'waiting', decisions: [], delegations });
    }
    return steps;
  }

  /** Nobody approves their own contract: the owner and the submitter are never approvers. */
  private async approversFor(step: FlowStep, contract: Contract, submitterId: string): Promise<string[]> {
    const except = [...new Set([contract.ownerId.toHexString(), submitterId])];
    const department = contract.ownerDepartmentId?.toHexString() ?? null;
    switch (step.approvers.kind) {
      case 'manager': {
        const manager = department ? await this.deps.org.managerOfDepartment(department, except) : null;
        return manager ? [manager] : [];
      }
      case 'director': {
        const director = await this.deps.org.directorAbove(department, except);
        return director ? [director] : [];
      }
      case 'role':
        return (await this.deps.org.activeUserIdsWithRole(step.approvers.role)).filter((id) => !except.includes(id));
      case 'users':
        return (await this.deps.org.activeUserIds(step.approvers.userIds)).filter((id) => !except.includes(id));
    }
  }

  // ---- deciding ------------------------------------------------------------------------------

  /**
   * Records one approver's decision on the current step. `step`, when given (a card click), must be
   * the step still pending; a click on an older card is stale. Stale or duplicate decisions change
   * nothing and report the current state.
   */
  async decide(userId: string, approvalId: string, decision: Decision, options: { step?: number; comment?: string; via: string; locale?: 'zh-CN' | 'en' }): Promise<DecisionResult> {
    if (!Types.ObjectId.isValid(approvalId)) throw notFound();
    const comment = options.comment?.trim() || null;
    if (decision === 'reject' && !comment) throw new AppError('VALIDATION', { messageKey: 'error.approval.commentRequired', details: [{ path: 'comment', message: 'required' }] });
    const me = oid(userId);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const approval = await this.deps.approvals.findById(approvalId).lean<ApprovalRequest>();
      if (!approval) throw notFound();
      const entitled = approval.status === 'pending' && approval.pendingApproverIds.some((id) => id.equals(me)) && (options.step === undefined || options.step === approval.currentStep);
      if (!entitled) return { outcome: 'stale', approval };

      const now = this.deps.clock.now();
      const index = approval.currentStep;
      const step = approval.steps[index]!;
      const remaining = approval.pendingApproverIds.filter((id) => !id.equals(me));
      const stepDone = decision === 'reject' || step.mode === 'any' || remaining.length === 0;
      const last = index === approval.steps.length - 1;
      const set: Record<string, unknown> = {};
      if (!stepDone) {
        set.pendingApproverIds = remaining;
      } else if (decision === 'reject') {
        Object.assign(set, { [`steps.${index}.status`]: 'rejected', status: 'rejected', pendingApproverIds: [], decidedAt: now });
      } else if (last) {
        Object.assign(set, { [`steps.${index}.status`]: 'approved', status: 'approved', pendingApproverIds: [], decidedAt: now });
      } else {
        Object.assign(set, {
          [`steps.${index}.status`]: 'approved',
          [`steps.${index + 1}.status`]: 'pending',
          currentStep: index + 1,
          pendingApproverIds: approval.steps[index + 1]!.approverIds,
        });
      }
      const written = await this.deps.approvals.updateOne(
        { _id: approval._id, revision: approval.revision },
        {
          $set: set,
          $push: { [`steps.${index}.decisions`]: { userId: me, decision, comment, at: now, via: options.via } },
          $addToSet: { deciderIds: me },
          $inc: { revision: 1 },
        },
      );
      if (written.modifiedCount === 0) continue; // someone else wrote first: read again
      const after = (await this.deps.approvals.findById(approval._id).lean<ApprovalRequest>())!;
      await this.afterDecision(after, index, userId, decision, comment, stepDone);
      return { outcome: 'decided', approval: after };
    }
    return { outcome: 'stale', approval: (await this.deps.approvals.findById(approvalId).lean<ApprovalRequest>())! };
  }

  /** Contract status, trail, cards: what follows a decision. */
  private async afterDecision(approval: ApprovalRequest, index: number, userId: string, decision: Decision, comment: string | null, stepDone: boolean): Promise<void> {
    const name = (await this.deps.org.displayNames([userId])).get(userId) ?? '';
    const outcome = { text: `${decision === 'approve' ? '已同意' : '已驳回'} · ${name}` };
    const step = approval.steps[index]!;
    // the decider's card, or every card of the step once it is decided
    if (step.mode === 'all' && !stepDone) await this.deps.cards.resolve(stepCardId(approval, index, userId), outcome);
    else for (const cardId of stepCardIds(approval, index)) await this.deps.cards.resolve(cardId, outcome);

    if (approval.status === 'pending') {
      if (stepDone) await this.sendStepCards(approval, approval.currentStep);
      return;
    }
    const final = approval.status as 'approved' | 'rejected';
    const amendment = approval.kind === 'amendment';
    if (!amendment) {
      const moved = await this.deps.contracts.setApprovalState(approval.contractId, ['pending'], final);
      if (moved && final === 'approved') await this.deps.contracts.countSigned(approval.contractId);
    }
    else if (final === 'approved') await this.deps.contracts.applyAmendment(approval.contractId, approval._id, approval.changes!);
    else await this.deps.contracts.dropAmendment(approval.contractId, approval._id);
    await this.deps.timeline.append([
      {
        customerId: approval.customerId,
        type: amendment ? (final === 'approved' ? 'contractAmended' : 'contractAmendmentRejected') : final === 'approved' ? 'contractApproved' : 'contractRejected',
        actorId: userId,
        data: { contractId: approval.contractId.toHexString(), number: approval.snapshot.number, approvalId: approval._id.toHexString(), ...(comment ? { comment: comment.slice(0, 200) } : {}) },
        key: `contractDecided:${approval._id}`,
      },
    ]);
    const contract = await this.deps.contracts.byId(approval.contractId);
    if (contract) {
      await publishQuietly(
        this.deps.events ?? noEvents,
        [
          {
            type: final === 'approved' ? 'contract.approved' : 'contract.rejected',
            entity: 'contract',
            entityId: contract._id.toHexString(),
            data: {
              ...eventData(contract, ['number', 'customerId', 'opportunityId', 'title', 'status', 'amountFen', 'receivedFen', 'signedOn', 'startOn', 'endOn', 'ownerId', 'version']),
              approvalId: approval._id.toHexString(),
              amendment,
              decidedBy: userId,
              ...(comment ? { comment } : {}),
            },
            occurredAt: approval.decidedAt ?? this.deps.clock.now(),
          },
        ],
        this.deps.logger,
      );
    }
    const recipients = [...new Set([approval.submitterId.toHexString(), ...(contract ? [contract.ownerId.toHexString()] : [])])];
    await this.deps.cards.send(
      {
        id: `apr-${approval._id.toHexString()}`,
        data: {
          kind: 'approvalResult',
          contractId: approval.contractId.toHexString(),
          number: approval.snapshot.number,
          customer: { id: approval.customerId.toHexString(), name: approval.snapshot.customerName },
          decision: final,
          decidedBy: name,
          ...(comment ? { comment } : {}),
        },
      },
      recipients,
    );
  }

  /** The submitter (or whoever manages the contract) takes it back while it is pending. */
  async withdraw(scope: RequestScope, approvalId: string, meta: RequestMeta) {
    const approval = await this.find(scope, approvalId);
    const contract = await this.deps.contracts.find(scope, approval.contractId.toHexString());
    if (!approval.submitterId.equals(scope.user.id)) this.deps.contracts.requireManage(scope, contract);
    const written = await this.deps.approvals.updateOne(
      { _id: approval._id, status: 'pending' },
      { $set: { status: 'withdrawn', pendingApproverIds: [], decidedAt: this.deps.clock.now() }, $inc: { revision: 1 } },
    );
    if (written.modifiedCount === 0) throw new AppError('CONFLICT', { messageKey: 'error.approval.notPending' });
    if (approval.kind === 'amendment') await this.deps.contracts.dropAmendment(approval.contractId, approval._id);
    else await this.deps.contracts.setApprovalState(approval.contractId, ['pending'], 'draft');
    for (const cardId of stepCardIds(approval, approval.currentStep)) await this.deps.cards.resolve(cardId, { text: '已撤回' });
    await this.deps.audit.record(scope, meta.client, [{ action: 'contract.withdraw', entity: 'contract', entityId: approval.contractId, customerId: approval.customerId }]);
    await this.deps.timeline.append([
      { customerId: approval.customerId, type: 'contractWithdrawn', actorId: scope.user.id, data: { contractId: approval.contractId.toHexString(), number: approval.snapshot.number }, key: `contractWithdrawn:${approval._id}` },
    ]);
    return this.view((await this.deps.approvals.findById(approval._id).lean<ApprovalRequest>())!);
  }

  // ---- reading -------------------------------------------------------------------------------

  /** An approval the caller may see: its contract is within their scope. */
  async find(scope: RequestScope, approvalId: string): Promise<ApprovalRequest> {
    if (!Types.ObjectId.isValid(approvalId)) throw notFound();
    const approval = await this.deps.approvals.findById(approvalId).lean<ApprovalRequest>();
    if (!approval) throw notFound();
    await this.deps.contracts.find(scope, approval.contractId.toHexString());
    return approval;
  }

  async get(scope: RequestScope, approvalId: string) {
    const approval = await this.find(scope, approvalId);
    return { ...(await this.view(approval)), canDecide: approval.status === 'pending' && approval.pendingApproverIds.some((id) => id.equals(scope.user.id)) };
  }

  /** 待我审批 (todo), 我发起的 (mine), 已处理 (done), newest first. */
  async inbox(scope: RequestScope, box: Inbox, options: { limit: number; cursor?: string }) {
    const me = oid(scope.user.id);
    const filter = { todo: { pendingApproverIds: me }, mine: { submitterId: me }, done: { deciderIds: me } }[box];
    const position = decodeCursor(options.cursor);
    const rows = await this.deps.approvals
      .find(position ? { $and: [filter, afterCursor('createdAt', -1, position, reviveDate)] } : filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(options.limit + 1)
      .lean<ApprovalRequest[]>();
    const { page, nextCursor } = pageOf(rows, options.limit, (a) => a.createdAt);
    return { items: await Promise.all(page.map((a) => this.view(a))), nextCursor };
  }

  /** The approval history of a contract, newest first. */
  async trail(scope: RequestScope, contractId: string) {
    const contract = await this.deps.contracts.find(scope, contractId);
    const rows = await this.deps.approvals.find({ contractId: contract._id }).sort({ createdAt: -1 }).limit(50).lean<ApprovalRequest[]>();
    return Promise.all(rows.map((a) => this.view(a)));
  }

  async view(approval: ApprovalRequest) {
    const people = [approval.submitterId, ...approval.steps.flatMap((s) => [...s.approverIds, ...s.decisions.map((d) => d.userId), ...(s.delegations ?? []).map((d) => d.from)])];
    const names = await this.deps.org.displayNames(people);
    const person = (id: Types.ObjectId) => ({ id: id.toHexString(), name: names.get(id.toHexString()) ?? '' });
    return {
      id: approval._id.toHexString(),
      kind: approval.kind ?? 'contract',
      changes: approval.changes
        ? {
            reason: approval.changes.reason,
            ...(approval.changes.title !== undefined ? { title: approval.changes.title } : {}),
            ...(approval.changes.endOn !== undefined ? { endOn: approval.changes.endOn } : {}),
            ...(approval.changes.amountFen !== undefined ? { amountFen: approval.changes.amountFen } : {}),
            ...(approval.changes.plan ? { plan: approval.changes.plan.map((p) => ({ dueOn: p.dueOn, amountFen: p.amountFen })) } : {}),
          }
        : null,
      contractId: approval.contractId.toHexString(),
      customer: { id: approval.customerId.toHexString(), name: approval.snapshot.customerName },
      number: approval.snapshot.number,
      title: approval.snapshot.title,
      amountFen: approval.snapshot.amountFen,
      submitter: person(approval.submitterId),
      status: approval.status,
      currentStep: approval.currentStep,
      steps: approval.steps.map((s) => ({
        name: s.name,
        mode: s.mode,
        status: s.status,
        approvers: s.approverIds.map(person),
        delegations: (s.delegations ?? []).map((d) => ({ from: person(d.from), to: person(d.to) })),
        decisions: s.decisions.map((d) => ({ by: person(d.userId), decision: d.decision, comment: d.comment, at: d.at, via: d.via })),
      })),
      createdAt: approval.createdAt,
      decidedAt: approval.decidedAt,
    };
  }

  // ---- handover ------------------------------------------------------------------------------

  /**
   * A leaver's approvals go to their successor: on each pending request, every step they have yet
   * to decide names the successor instead (the trail shows it as a delegation), the successor may
   * open the contract, and gets the card of a step that waits on them now. A request the successor
   * submitted is left alone: nobody approves their own contract. Returns the requests moved; a
   * second run moves nothing.
   */
  async handOver(fromId: string, toId: string): Promise<number> {
    const [from, to] = [oid(fromId), oid(toId)];
    const undecided = (step: ApprovalStep) =>
      (step.status === 'pending' || step.status === 'waiting') && step.approverIds.some((id) => id.equals(from)) && !step.decisions.some((d) => d.userId.equals(from));
    const swap = (ids: Types.ObjectId[]) => uniqueIds(ids.map((id) => (id.equals(from) ? to : id)));
    let moved = 0;
    for (const found of await this.deps.approvals.find({ 'steps.approverIds': from, status: 'pending' }).lean<ApprovalRequest[]>()) {
      let approval: ApprovalRequest | null = found;
      // a decision may land meanwhile: then read it again and retry on its new revision
      for (let attempt = 0; attempt < maxAttempts && approval; attempt++) {
        if (approval.status !== 'pending' || approval.submitterId.equals(to)) break;
        const moving = approval.steps.map(undecided);
        if (!moving.includes(true)) break;
        const steps = approval.steps.map((step, i) =>
          moving[i] ? { ...step, approverIds: swap(step.approverIds), delegations: [...(step.delegations ?? []), { from, to }] } : step,
        );
        const done = await this.deps.approvals.updateOne(
          { _id: approval._id, revision: approval.revision },
          { $set: { steps, pendingApproverIds: swap(approval.pendingApproverIds) }, $inc: { revision: 1 } },
        );
        if (done.modifiedCount === 0) {
          approval = await this.deps.approvals.findById(approval._id).lean<ApprovalRequest>();
          continue;
        }
        moved++;
        await this.deps.contracts.addApprover(approval.contractId, to);
        if (moving[approval.currentStep]) await this.sendStepCards({ ...approval, steps }, approval.currentStep, [toId]);
        break;
      }
    }
    return moved;
  }

  // ---- delegation ----------------------------------------------------------------------------

  /** While away until a date, approvals routed to the caller go to a colleague (resolved at submission). */
  async setDelegation(scope: RequestScope, input: { toUserId: string; until: Date } | null) {
    if (input) {
      const now = this.deps.clock.now();
      if (input.toUserId === scope.user.id) throw new AppError('VALIDATION', { details: [{ path: 'toUserId', message: 'not yourself' }] });
      if (input.until <= now || input.until.getTime() - now.getTime() > 90 * 86_400_000) {
        throw new AppError('VALIDATION', { details: [{ path: 'until', message: 'within the next 90 days' }] });
      }
      if ((await this.deps.org.activeUserIds([input.toUserId])).length === 0) throw new AppError('VALIDATION', { details: [{ path: 'toUserId', message: 'no such active user' }] });
    }
    await this.deps.org.setDelegation(scope.user.id, input);
    return this.delegation(scope);
  }

  async delegation(scope: RequestScope) {
    const user = await this.deps.org.findUserById(scope.user.id);
    const d = user?.delegation && user.delegation.until > this.deps.clock.now() ? user.delegation : null;
    if (!d) return { delegation: null };
    const names = await this.deps.org.displayNames([d.toUserId]);
    return { delegation: { to: { id: d.toUserId.toHexString(), name: names.get(d.toUserId.toHexString()) ?? '' }, until: d.until } };
  }

  // ---- cards ---------------------------------------------------------------------------------

  /** The step's cards, to its approvers (or to `only` of them). */
  private async sendStepCards(approval: ApprovalRequest, index: number, only?: string[]): Promise<void> {
    const step = approval.steps[index]!;
    const submitter = (await this.deps.org.displayNames([approval.submitterId])).get(approval.submitterId.toHexString()) ?? '';
    const data: CardData = {
      kind: 'contractApproval',
      approvalId: approval._id.toHexString(),
      contractId: approval.contractId.toHexString(),
      number: approval.snapshot.number,
      customer: { id: approval.customerId.toHexString(), name: approval.snapshot.customerName },
      amountFen: approval.snapshot.amountFen,
      submitter,
      title: approval.snapshot.title,
      step: step.name,
      ...(approval.kind === 'amendment' ? { amendment: true } : {}),
    };
    const approvers = step.approverIds.map((id) => id.toHexString()).filter((id) => !only || only.includes(id));
    if (step.mode === 'any') await this.deps.cards.send({ id: stepCardId(approval, index), data }, approvers);
    else for (const approver of approvers) await this.deps.cards.send({ id: stepCardId(approval, index, approver), data }, [approver]);
  }

  /** 同意 on a card: the card names the request and the step it asked about. */
  registerActions(dispatcher: EventDispatcher): void {
    dispatcher.onCardAction('approve', async (event) => {
      const parsed = parseStepCardId(event.cardId);
      if (!parsed || !(await this.deps.cards.received(event.cardId, event.userId))) return;
      const result = await this.decide(event.userId, parsed.approvalId, 'approve', { step: parsed.step, via: event.platform });
      if (result.outcome === 'stale') await this.deps.cards.resolve(event.cardId, { text: await this.stateText(result.approval, parsed.step) });
    });
  }

  /** What a stale card shows: how its step ended, or that the request was withdrawn. */
  private async stateText(approval: ApprovalRequest, index: number): Promise<string> {
    if (approval.status === 'withdrawn') return '已撤回';
    const step = approval.steps[index];
    const last = step?.decisions.at(-1);
    if (!last) return '已处理';
    const name = (await this.deps.org.displayNames([last.userId])).get(last.userId.toHexString()) ?? '';
    return `${last.decision === 'approve' ? '已同意' : '已驳回'} · ${name}`;
  }
}

/** Everyone a request's steps route to, each once. */
function approversOf(steps: ApprovalStep[]): Types.ObjectId[] {
  return [...new Map(steps.flatMap((s) => s.approverIds).map((a) => [a.toHexString(), a])).values()];
}

/** Card ids (WeCom task_id charset): one card per step, or one per approver when all must approve. */
function stepCardId(approval: ApprovalRequest, index: number, userId?: string): string {
  const base = `apv-${approval._id.toHexString()}-${index}`;
  return approval.steps[index]!.mode === 'all' && userId ? `${base}-${userId}` : base;
}

function stepCardIds(approval: ApprovalRequest, index: number): string[] {
  const step = approval.steps[index]!;
  return step.mode === 'all' ? step.approverIds.map((id) => stepCardId(approval, index, id.toHexString())) : [stepCardId(approval, index)];
}

function parseStepCardId(cardId: string): { approvalId: string; step: number } | null {
  const match = /^apv-([0-9a-f]{24})-(\d{1,2})(?:-[0-9a-f]{24})?$/.exec(cardId);
  return match ? { approvalId: match[1]!, step: Number(match[2]) } : null;
}
