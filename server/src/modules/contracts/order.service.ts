// Orders (交易记录): what a customer bought, with or without a contract, visible with the customer.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { Customer } from '../customers/customer.model.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import { calendarDay, money } from './contract.input.ts';
import { yuan, type ContractService } from './contract.service.ts';
import { orderStatuses, type Order, type OrderModel } from './order.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));

const orderFields = {
  contractId: z.string().regex(/^[0-9a-f]{24}$/i).nullable().optional(),
  items: z.array(z.object({ name: z.string().trim().min(1).max(100), quantity: z.number().positive().max(1e9), unitPrice: money }).strict()).min(1).max(100),
  paymentMethod: z.string().trim().max(20).nullable().optional(),
  orderedOn: calendarDay,
};

export const createOrderBody = z
  .object({
    contractId: orderFields.contractId,
    items: orderFields.items,
    status: z.enum(orderStatuses).default('pending'),
    paymentMethod: orderFields.paymentMethod,
    orderedOn: orderFields.orderedOn,
  })
  .strict();
/**
 * A sync of an order already recorded (an ERP sending it again): the status may move; what was
 * bought, when, from whom and under which contract is fixed once recorded, so those fields, when
 * sent, must match the record (a repeat), or the update is refused rather than silently ignored.
 */
export const syncOrderBody = z
  .object({
    customerId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
    contractId: orderFields.contractId,
    items: orderFields.items.optional(),
    status: z.enum(orderStatuses).optional(),
    paymentMethod: orderFields.paymentMethod,
    orderedOn: orderFields.orderedOn.optional(),
  })
  .strict();
export type CreateOrderInput = z.infer<typeof createOrderBody>;
export type SyncOrderInput = z.infer<typeof syncOrderBody>;

export class OrderService {
  private readonly deps: { orders: OrderModel; customers: CustomerService; contracts: ContractService; dictionaries: DictionaryService; timeline: TimelineService; clock: Clock };

  constructor(deps: OrderService['deps']) {
    this.deps = deps;
  }

  /** `options.idempotencyKey`: a retry of the same request answers the order it created. */
  async create(scope: RequestScope, customerId: string, input: CreateOrderInput, options: { idempotencyKey?: string } = {}) {
    scope.require('customer.edit');
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const idempotencyKey = options.idempotencyKey ? `${scope.user.id}:${options.idempotencyKey}` : undefined;
    const earlier = idempotencyKey ? await this.deps.orders.findOne({ idempotencyKey }).lean<Order>() : null;
    const order = earlier ?? (await this.insert(scope, customer, input, idempotencyKey));
    // keyed: a retry after a crash adds the entry once
    await this.deps.timeline.append([
      { customerId: customer._id, type: 'orderPlaced', actorId: order.createdBy, data: { orderId: order._id.toHexString(), amountFen: order.amountFen }, key: `order:${order._id}` },
    ]);
    return view(order);
  }

  private async insert(scope: RequestScope, customer: Customer, input: CreateOrderInput, idempotencyKey: string | undefined): Promise<Order> {
    if (input.contractId) {
      const contract = await this.deps.contracts.find(scope, input.contractId);
      if (!contract.customerId.equals(customer._id)) throw new AppError('VALIDATION', { details: [{ path: 'contractId', message: 'belongs to another customer' }] });
    }
    if (input.paymentMethod) {
      const methods = (await this.deps.dictionaries.activeValues(['paymentMethod'])).get('paymentMethod')!;
      if (!methods.has(input.paymentMethod)) throw new AppError('VALIDATION', { details: [{ path: 'paymentMethod', message: 'not in the dictionary' }] });
    }
    const items = lineItems(input.items);
    try {
      const created = await this.deps.orders.create({
        customerId: customer._id,
        contractId: input.contractId ? oid(input.contractId) : null,
        items,
        amountFen: items.reduce((sum, i) => sum + i.amountFen, 0),
        status: input.status,
        paymentMethod: input.paymentMethod ?? null,
        orderedOn: input.orderedOn,
        ownerId: customer.ownerId ?? oid(scope.user.id),
        createdBy: oid(scope.user.id),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      return created.toObject() as Order;
    } catch (error) {
      // the same retry at once: the other one created it
      if ((error as { code?: number }).code !== 11000 || !idempotencyKey) throw error;
      return this.deps.orders.findOne({ idempotencyKey }).lean<Order>().orFail();
    }
  }

  async list(scope: RequestScope, customerId: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    return (await this.deps.orders.find({ customerId: customer._id }).sort({ orderedOn: -1 }).limit(200).lean<Order[]>()).map(view);
  }

  /** One order, if the caller may see its customer in full; NOT_FOUND otherwise. */
  async get(scope: RequestScope, orderId: string) {
    return view(await this.find(scope, orderId));
  }

  private async find(scope: RequestScope, orderId: string): Promise<Order> {
    if (!Types.ObjectId.isValid(orderId)) throw notFound();
    const order = await this.deps.orders.findById(orderId).lean<Order>();
    if (!order) throw notFound();
    await this.deps.customers.requireFull(scope, order.customerId);
    return order;
  }

  /**
   * An order sent again (a sync): its status moves as with setStatus; any other field sent must
   * match the record, or CONFLICT names the fields that differ. A repeat changes nothing.
   */
  async sync(scope: RequestScope, orderId: string, input: SyncOrderInput) {
    scope.require('customer.edit');
    const order = await this.find(scope, orderId);
    const differs: string[] = [];
    if (input.customerId !== undefined && !order.customerId.equals(input.customerId)) differs.push('customerId');
    if (input.contractId !== undefined && (order.contractId?.toHexString() ?? null) !== (input.contractId ? input.contractId.toLowerCase() : null)) differs.push('contractId');
    if (input.items !== undefined && JSON.stringify(lineItems(input.items)) !== JSON.stringify(order.items.map((i) => ({ name: i.name, quantity: i.quantity, unitPriceFen: i.unitPriceFen, amountFen: i.amountFen })))) differs.push('items');
    if (input.paymentMethod !== undefined && (input.paymentMethod ?? null) !== order.paymentMethod) differs.push('paymentMethod');
    if (input.orderedOn !== undefined && input.orderedOn !== order.orderedOn) differs.push('orderedOn');
    if (differs.length) {
      throw new AppError('CONFLICT', { messageKey: 'error.order.fixed', params: { fields: differs.join(', ') }, details: differs.map((path) => ({ path, message: 'differs from the recorded order' })) });
    }
    if (input.status === undefined || input.status === order.status) return view(order);
    return this.setStatus(scope, orderId, input.status);
  }

  async setStatus(scope: RequestScope, orderId: string, status: Order['status']) {
    scope.require('customer.edit');
    const order = await this.find(scope, orderId);
    const updated = await this.deps.orders.findOneAndUpdate({ _id: order._id }, { $set: { status } }, { returnDocument: 'after' }).lean<Order>().orFail();
    return view(updated);
  }
}

function view(o: Order) {
  return {
    id: o._id.toHexString(),
    customerId: o.customerId.toHexString(),
    contractId: o.contractId?.toHexString() ?? null,
    items: o.items,
    amountFen: o.amountFen,
    amount: yuan(o.amountFen),
    status: o.status,
    paymentMethod: o.paymentMethod,
    orderedOn: o.orderedOn,
    ownerId: o.ownerId.toHexString(),
    externalIds: o.externalIds ?? {},
  };
}

function lineItems(items: CreateOrderInput['items']) {
  return items.map((i) => ({ name: i.name, quantity: i.quantity, unitPriceFen: i.unitPrice, amountFen: Math.round(i.quantity * i.unitPrice) }));
}
