// Orders (交易记录): what a customer bought, with or without a contract, visible with the customer.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import { calendarDay, money } from './contract.input.ts';
import { yuan, type ContractService } from './contract.service.ts';
import { orderStatuses, type Order, type OrderModel } from './order.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));

export const createOrderBody = z
  .object({
    contractId: z.string().regex(/^[0-9a-f]{24}$/i).nullable().optional(),
    items: z.array(z.object({ name: z.string().trim().min(1).max(100), quantity: z.number().positive().max(1e9), unitPrice: money }).strict()).min(1).max(100),
    status: z.enum(orderStatuses).default('pending'),
    paymentMethod: z.string().trim().max(20).nullable().optional(),
    orderedOn: calendarDay,
  })
  .strict();
export type CreateOrderInput = z.infer<typeof createOrderBody>;

export class OrderService {
  private readonly deps: { orders: OrderModel; customers: CustomerService; contracts: ContractService; dictionaries: DictionaryService; timeline: TimelineService; clock: Clock };

  constructor(deps: OrderService['deps']) {
    this.deps = deps;
  }

  async create(scope: RequestScope, customerId: string, input: CreateOrderInput) {
    scope.require('customer.edit');
    const customer = await this.deps.customers.requireFull(scope, customerId);
    if (input.contractId) {
      const contract = await this.deps.contracts.find(scope, input.contractId);
      if (!contract.customerId.equals(customer._id)) throw new AppError('VALIDATION', { details: [{ path: 'contractId', message: 'belongs to another customer' }] });
    }
    if (input.paymentMethod) {
      const methods = (await this.deps.dictionaries.activeValues(['paymentMethod'])).get('paymentMethod')!;
      if (!methods.has(input.paymentMethod)) throw new AppError('VALIDATION', { details: [{ path: 'paymentMethod', message: 'not in the dictionary' }] });
    }
    const items = input.items.map((i) => ({ name: i.name, quantity: i.quantity, unitPriceFen: i.unitPrice, amountFen: Math.round(i.quantity * i.unitPrice) }));
    const order = (
      await this.deps.orders.create({
        customerId: customer._id,
        contractId: input.contractId ? oid(input.contractId) : null,
        items,
        amountFen: items.reduce((sum, i) => sum + i.amountFen, 0),
        status: input.status,
        paymentMethod: input.paymentMethod ?? null,
        orderedOn: input.orderedOn,
        ownerId: customer.ownerId ?? oid(scope.user.id),
        createdBy: oid(scope.user.id),
      })
    ).toObject() as Order;
    await this.deps.timeline.append([
      { customerId: customer._id, type: 'orderPlaced', actorId: scope.user.id, data: { orderId: order._id.toHexString(), amountFen: order.amountFen }, key: `order:${order._id}` },
    ]);
    return view(order);
  }

  async list(scope: RequestScope, customerId: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    return (await this.deps.orders.find({ customerId: customer._id }).sort({ orderedOn: -1 }).limit(200).lean<Order[]>()).map(view);
  }

  async setStatus(scope: RequestScope, orderId: string, status: Order['status']) {
    scope.require('customer.edit');
    if (!Types.ObjectId.isValid(orderId)) throw notFound();
    const order = await this.deps.orders.findById(orderId).lean<Order>();
    if (!order) throw notFound();
    await this.deps.customers.requireFull(scope, order.customerId);
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
  };
}
