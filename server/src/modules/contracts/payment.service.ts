// Payment collection (回款): money recorded against one instalment of an approved contract. The
// instalment's received total moves in one conditional write that refuses an overpayment, so two
// people recording at once cannot push it past the plan. A payment is stored first (keyed, for
// retries) and marked applied once the contract's totals include it; a retry after a crash in
// between finishes the job instead of counting the money twice.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { eventData, publishQuietly } from '../../core/event-data.ts';
import { noEvents, type EventPublisher } from '../../core/events.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { CustomerService, RequestMeta } from '../customers/customer.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { StatsService } from '../stats/stats.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import type { RecordPaymentInput } from './contract.input.ts';
import type { Contract, ContractModel } from './contract.model.ts';
import { yuan, type ContractService } from './contract.service.ts';
import type { Payment, PaymentModel } from './payment.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const collectable = ['approved', 'active'] as const;

export class PaymentService {
  private readonly deps: {
    payments: PaymentModel;
    contractModel: ContractModel;
    contracts: ContractService;
    customers: CustomerService;
    dictionaries: DictionaryService;
    org: OrgService;
    audit: AuditService;
    timeline: TimelineService;
    stats: StatsService;
    clock: Clock;
    /** payment.received for webhooks */
    events?: EventPublisher;
  };

  constructor(deps: PaymentService['deps']) {
    this.deps = deps;
  }

  async record(scope: RequestScope, contractId: string, input: RecordPaymentInput, meta: RequestMeta) {
    scope.require('payment.record');
    const contract = await this.deps.contracts.find(scope, contractId);
    this.deps.contracts.requireManage(scope, contract);
    const idempotencyKey = meta.idempotencyKey ? `${scope.user.id}:${meta.idempotencyKey}` : undefined;
    if (idempotencyKey) {
      const earlier = await this.deps.payments.findOne({ idempotencyKey }).lean<Payment>();
      if (earlier) return { created: false, payment: await this.apply(scope, earlier, contract, meta) };
    }
    if (!(collectable as readonly string[]).includes(contract.status)) throw new AppError('CONFLICT', { messageKey: 'error.payment.notCollectable' });
    // the plan may change under an amendment: money waits until it is decided
    if (contract.amendmentId) throw new AppError('CONFLICT', { messageKey: 'error.payment.amendPending' });
    const instalment = contract.plan.find((p) => p._id.equals(input.instalmentId));
    if (!instalment) throw new AppError('VALIDATION', { messageKey: 'error.payment.unknownInstalment', details: [{ path: 'instalmentId', message: 'not in the plan' }] });
    const methods = (await this.deps.dictionaries.activeValues(['paymentMethod'])).get('paymentMethod')!;
    if (!methods.has(input.method)) throw new AppError('VALIDATION', { details: [{ path: 'method', message: 'not in the dictionary' }] });
    if (input.amount <= 0) throw new AppError('VALIDATION', { details: [{ path: 'amount', message: 'must be more than 0' }] });
    const outstanding = instalment.amountFen - instalment.receivedFen;
    if (input.amount > outstanding) throw this.overpaid(outstanding, input.amount);

    let payment: Payment;
    try {
      payment = (
        await this.deps.payments.create({
          contractId: contract._id,
          customerId: contract.customerId,
          instalmentId: instalment._id,
          ownerId: contract.ownerId,
          amountFen: input.amount,
          receivedOn: input.receivedOn,
          method: input.method,
          ...(input.note ? { note: input.note } : {}),
          recordedBy: oid(scope.user.id),
          applied: false,
          idempotencyKey,
          createdAt: this.deps.clock.now(),
        })
      ).toObject() as Payment;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000 || !idempotencyKey) throw error;
      const earlier = await this.deps.payments.findOne({ idempotencyKey }).lean<Payment>().orFail();
      return { created: false, payment: await this.apply(scope, earlier, contract, meta) };
    }
    return { created: true, payment: await this.apply(scope, payment, contract, meta) };
  }

  /** Adds an unapplied payment to its instalment and contract, unless that would overpay. */
  private async apply(scope: RequestScope, payment: Payment, contract: Contract, meta: RequestMeta) {
    if (!payment.applied) {
      // the plan is fixed once approved, so the instalment's position names it; the condition on
      // that position's id and total makes the check and the increment one atomic step
      const index = contract.plan.findIndex((p) => p._id.equals(payment.instalmentId));
      const instalment = contract.plan[index]!;
      const written = await this.deps.contractModel.updateOne(
        {
          _id: contract._id,
          status: { $in: collectable },
          amendmentId: null,
          [`plan.${index}._id`]: payment.instalmentId,
          [`plan.${index}.receivedFen`]: { $lte: instalment.amountFen - payment.amountFen },
        },
        { $inc: { [`plan.${index}.receivedFen`]: payment.amountFen, receivedFen: payment.amountFen, version: 1 } },
      );
      if (written.modifiedCount === 0) {
        // someone else's payment got there first (this one would overpay) or an amendment began: not kept
        await this.deps.payments.deleteOne({ _id: payment._id, applied: false });
        const now = await this.deps.contracts.byId(contract._id);
        if (now?.amendmentId) throw new AppError('CONFLICT', { messageKey: 'error.payment.amendPending' });
        const current = now?.plan.find((p) => p._id.equals(payment.instalmentId));
        throw this.overpaid(current ? current.amountFen - current.receivedFen : 0, payment.amountFen);
      }
      await this.deps.payments.updateOne({ _id: payment._id }, { $set: { applied: true } });
      await this.deps.stats.add(payment.ownerId, payment.receivedOn, 'collectedFen', payment.amountFen);
      // money in: an approved contract is under way
      await this.deps.contractModel.updateOne({ _id: contract._id, status: 'approved' }, { $set: { status: 'active' }, $inc: { version: 1 } });
      await this.deps.audit.record(scope, meta.client, [
        { action: 'payment.record', entity: 'contract', entityId: contract._id, customerId: contract.customerId, note: `${yuan(payment.amountFen)} ${payment.method}` },
      ]);
      await publishQuietly(this.deps.events ?? noEvents, [
        {
          type: 'payment.received',
          entity: 'payment',
          entityId: payment._id.toHexString(),
          data: { ...eventData(payment, ['contractId', 'customerId', 'instalmentId', 'ownerId', 'amountFen', 'receivedOn', 'method', 'note', 'recordedBy', 'createdAt']), contractNumber: contract.number },
          occurredAt: payment.createdAt,
        },
      ]);
    }
    await this.deps.timeline.append([
      {
        customerId: contract.customerId,
        type: 'paymentReceived',
        actorId: payment.recordedBy,
        data: { contractId: contract._id.toHexString(), number: contract.number, amountFen: payment.amountFen, receivedOn: payment.receivedOn },
        key: `payment:${payment._id}`,
      },
    ]);
    return this.view({ ...payment, applied: true });
  }

  private overpaid(outstandingFen: number, amountFen: number): AppError {
    return new AppError('VALIDATION', {
      messageKey: 'error.payment.overpaid',
      params: { outstanding: yuan(outstandingFen), amount: yuan(amountFen) },
      details: [{ path: 'amount', message: `outstanding ${yuan(outstandingFen)}` }],
    });
  }

  async list(scope: RequestScope, contractId: string) {
    const contract = await this.deps.contracts.find(scope, contractId);
    const rows = await this.deps.payments.find({ contractId: contract._id, applied: true }).sort({ createdAt: -1 }).limit(500).lean<Payment[]>();
    const names = await this.deps.org.displayNames(rows.map((p) => p.recordedBy));
    return rows.map((p) => ({ ...this.view(p), recordedBy: { id: p.recordedBy.toHexString(), name: names.get(p.recordedBy.toHexString()) ?? '' } }));
  }

  /** One payment, if the caller may see its contract; NOT_FOUND otherwise. */
  async get(scope: RequestScope, paymentId: string) {
    return this.view((await this.find(scope, paymentId)).payment);
  }

  private async find(scope: RequestScope, paymentId: string): Promise<{ payment: Payment; contract: Contract }> {
    if (!Types.ObjectId.isValid(paymentId)) throw notFound();
    const payment = await this.deps.payments.findOne({ _id: oid(paymentId), applied: true }).lean<Payment>();
    if (!payment) throw notFound();
    return { payment, contract: await this.deps.contracts.find(scope, payment.contractId.toHexString()) };
  }

  /**
   * A payment sent again (a finance system's sync). Money once recorded is not edited: the same
   * data answers the stored payment unchanged; any field that differs answers CONFLICT naming it,
   * so a changed amount is never applied (or ignored) silently.
   */
  async confirm(scope: RequestScope, paymentId: string, input: Partial<Omit<RecordPaymentInput, 'clientKey'>> & { contractId?: string }) {
    scope.require('payment.record');
    const { payment, contract } = await this.find(scope, paymentId);
    this.deps.contracts.requireManage(scope, contract);
    const differs: string[] = [];
    if (input.contractId !== undefined && !payment.contractId.equals(input.contractId)) differs.push('contractId');
    if (input.instalmentId !== undefined && !payment.instalmentId.equals(input.instalmentId)) differs.push('instalmentId');
    if (input.amount !== undefined && input.amount !== payment.amountFen) differs.push('amount');
    if (input.receivedOn !== undefined && input.receivedOn !== payment.receivedOn) differs.push('receivedOn');
    if (input.method !== undefined && input.method !== payment.method) differs.push('method');
    if (input.note !== undefined && (input.note || undefined) !== (payment.note || undefined)) differs.push('note');
    if (differs.length) {
      throw new AppError('CONFLICT', {
        messageKey: 'error.payment.immutable',
        params: { fields: differs.join(', ') },
        details: differs.map((path) => ({ path, message: path === 'amount' ? `recorded ${yuan(payment.amountFen)}` : 'differs from the recorded payment' })),
      });
    }
    return this.view(payment);
  }

  /** A customer's transactions in sum: contracts signed, received to date (lifetime), outstanding. */
  async customerSummary(scope: RequestScope, customerId: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const [row] = await this.deps.contractModel.aggregate<{ contracts: number; amountFen: number; receivedFen: number }>([
      { $match: { customerId: customer._id, status: { $in: ['approved', 'active', 'completed', 'terminated'] } } },
      // a terminated contract owes nothing more: it counts for what was received
      { $group: { _id: null, contracts: { $sum: 1 }, amountFen: { $sum: { $cond: [{ $eq: ['$status', 'terminated'] }, '$receivedFen', '$amountFen'] } }, receivedFen: { $sum: '$receivedFen' } } },
    ]);
    const contracts = row?.contracts ?? 0;
    const amountFen = row?.amountFen ?? 0;
    const receivedFen = row?.receivedFen ?? 0;
    return { contracts, amountFen, receivedFen, outstandingFen: amountFen - receivedFen, received: yuan(receivedFen) };
  }

  private view(p: Payment) {
    return {
      id: p._id.toHexString(),
      contractId: p.contractId.toHexString(),
      instalmentId: p.instalmentId.toHexString(),
      amountFen: p.amountFen,
      amount: yuan(p.amountFen),
      receivedOn: p.receivedOn,
      method: p.method,
      note: p.note ?? null,
      createdAt: p.createdAt,
      externalIds: p.externalIds ?? {},
    };
  }
}
