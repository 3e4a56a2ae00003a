// Handing a person's work to a colleague: their customers, open contracts, open opportunities, open
// tickets and the approvals waiting on them. One mechanism for the admin's handover and for leavers
// found by organisation sync; running it again moves nothing more.
import { Types } from 'mongoose';
import { systemScope } from '../../core/auth/system-scope.ts';
import type { Clock } from '../../core/clock.ts';
import type { ApprovalService } from '../approvals/approval.service.ts';
import type { ContractService } from '../contracts/contract.service.ts';
import type { RequestMeta } from '../customers/customer.service.ts';
import type { PoolService } from '../customers/pool.service.ts';
import type { OpportunityModel } from '../opportunities/opportunity.model.ts';
import type { TicketModel } from '../tickets/ticket.model.ts';
import type { OrgService } from './org.service.ts';

export interface HandedOver {
  customers: number;
  contracts: number;
  opportunities: number;
  tickets: number;
  approvals: number;
}

export class Handover {
  private readonly deps: { pool: PoolService; contracts: ContractService; approvals: ApprovalService; opportunities: OpportunityModel; tickets: TicketModel; org: OrgService; clock: Clock };

  constructor(deps: Handover['deps']) {
    this.deps = deps;
  }

  /** Moves the work; the caller has checked who may ask and that the colleague is active. */
  async run(fromId: string, toId: string, meta: RequestMeta): Promise<HandedOver> {
    const to = await this.deps.org.findUserById(toId);
    if (!to) return { customers: 0, contracts: 0, opportunities: 0, tickets: 0, approvals: 0 };
    const from = new Types.ObjectId(fromId);
    const now = this.deps.clock.now();
    const { transferred: customers } = await this.deps.pool.transferAll(systemScope(), fromId, toId, meta);
    const contracts = await this.deps.contracts.handOver(fromId, toId);
    const opportunities = (await this.deps.opportunities.updateMany({ ownerId: from, status: 'open' }, { $set: { ownerId: to._id, ownerDepartmentId: to.departmentId, updatedAt: now } })).modifiedCount;
    const tickets = (
      await this.deps.tickets.updateMany(
        { assigneeId: from, status: { $in: ['assigned', 'in_progress'] } },
        { $set: { assigneeId: to._id, assigneeDepartmentId: to.departmentId, updatedAt: now } },
      )
    ).modifiedCount;
    const approvals = await this.deps.approvals.handOver(fromId, toId);
    return { customers, contracts, opportunities, tickets, approvals };
  }
}
