// Service tickets (服务工单): opened on a customer, assigned to service staff, worked through
// new → assigned → in progress → resolved → closed (reopen allowed), with an SLA by priority, a
// handling log, a resolution and the customer's satisfaction. Service staff reach customers
// through the tickets assigned to them; the customer's owner hears when a ticket opens and when
// it is resolved, and the assignee and their manager when its SLA is about to pass.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { CardData } from '../../../../bot-cards/index.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessDay } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import { eventData, publishQuietly } from '../../core/event-data.ts';
import { noEvents, type EventPublisher } from '../../core/events.ts';
import { nextInSequence, type SequenceModel } from '../../core/db/sequence.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { Locale } from '../../core/i18n.ts';
import type { CardService } from '../cards/card.service.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { Customer } from '../customers/customer.model.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { FileService } from '../files/file.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import { ticketStatusName } from './messages.ts';
import { slaHours, ticketPriorities, type Ticket, type TicketModel, type TicketStatus } from './ticket.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const hourMs = 3_600_000;

export const createTicketBody = z
  .object({
    customerId: objectId,
    contactId: objectId.nullable().optional(),
    category: z.string().trim().min(1).max(30),
    priority: z.enum(ticketPriorities).default('normal'),
    description: z.string().trim().min(1).max(4000),
    photoIds: z.array(objectId).max(9).default([]),
    assigneeId: objectId.optional(),
  })
  .strict();
export type CreateTicketInput = z.infer<typeof createTicketBody>;

export const transitionBody = z
  .object({
    action: z.enum(['start', 'resolve', 'close', 'reopen']),
    note: z.string().trim().max(2000).optional(),
    resolution: z.string().trim().max(2000).optional(),
  })
  .strict();
export type TransitionInput = z.infer<typeof transitionBody>;

export const satisfactionBody = z.object({ score: z.number().int().min(1).max(5), comment: z.string().trim().max(500).optional() }).strict();

/** Which actions each status allows, and where they lead. */
const moves: Record<TransitionInput['action'], { from: TicketStatus[]; to: TicketStatus }> = {
  start: { from: ['assigned'], to: 'in_progress' },
  resolve: { from: ['assigned', 'in_progress'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  reopen: { from: ['resolved', 'closed'], to: 'in_progress' },
};

export class TicketService {
  private readonly deps: {
    tickets: TicketModel;
    sequences: SequenceModel;
    customers: CustomerService;
    contacts: ContactService;
    dictionaries: DictionaryService;
    files: FileService;
    cards: CardService;
    org: OrgService;
    timeline: TimelineService;
    clock: Clock;
    /** ticket.resolved for webhooks */
    events?: EventPublisher;
  };

  constructor(deps: TicketService['deps']) {
    this.deps = deps;
  }

  /**
   * The ticket if the caller may see it: everyone who sees its customer, its assignee, service
   * staff for the unassigned queue, managers of the assignee, directors and admins.
   */
  async find(scope: RequestScope, id: string): Promise<Ticket> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const ticket = await this.deps.tickets.findById(id).lean<Ticket>();
    if (!ticket) throw notFound();
    if (this.handles(scope, ticket)) return ticket;
    await this.deps.customers.requireFull(scope, ticket.customerId);
    return ticket;
  }

  /** Sees and works the ticket as service: assignee, the queue, the assignee's managers, all for admins. */
  private handles(scope: RequestScope, ticket: Ticket): boolean {
    if (scope.seesAll) return true;
    if (ticket.assigneeId?.equals(scope.user.id)) return true;
    if (scope.role === 'service' && ticket.status === 'new') return true;
    return scope.seesTeam && ticket.assigneeDepartmentId !== null && scope.departmentSubtree.includes(ticket.assigneeDepartmentId.toHexString());
  }

  async create(scope: RequestScope, input: CreateTicketInput) {
    if (!scope.can('ticket.handle') && !scope.can('customer.edit')) throw new AppError('FORBIDDEN');
    // the service desk takes calls from any customer; everyone else opens tickets on their own
    const customer = scope.can('ticket.handle') && !scope.seesAll ? await this.deps.customers.findForDesk(input.customerId) : await this.deps.customers.requireFull(scope, input.customerId);
    const categories = (await this.deps.dictionaries.activeValues(['ticketCategory'])).get('ticketCategory')!;
    if (!categories.has(input.category)) throw new AppError('VALIDATION', { details: [{ path: 'category', message: 'not in the dictionary' }] });
    if (input.contactId && !(await this.deps.contacts.belongsTo(oid(input.contactId), customer._id))) throw new AppError('VALIDATION', { details: [{ path: 'contactId', message: 'not a contact of this customer' }] });
    const photos = input.photoIds.length ? await this.deps.files.attach(scope, input.photoIds, customer._id.toHexString()) : [];
    if (photos.length !== new Set(input.photoIds).size) throw new AppError('VALIDATION', { details: [{ path: 'photoIds', message: 'unknown photo' }] });
    const assignee = input.assigneeId ? await this.serviceUser(input.assigneeId) : null;
    const now = this.deps.clock.now();
    const day = businessDay(now).replaceAll('-', '');
    const number = `GD${day}${String(await nextInSequence(this.deps.sequences, `ticket:${day}`)).padStart(4, '0')}`;
    const ticket = (
      await this.deps.tickets.create({
        number,
        customerId: customer._id,
        contactId: input.contactId ? oid(input.contactId) : null,
        category: input.category,
        priority: input.priority,
        description: input.description,
        photoIds: photos.map(oid),
        assigneeId: assignee?._id ?? null,
        assigneeDepartmentId: assignee?.departmentId ?? null,
        status: assignee ? 'assigned' : 'new',
        dueAt: new Date(now.getTime() + slaHours[input.priority] * hourMs),
        slaWarnedAt: null,
        log: [
          { at: now, by: oid(scope.user.id), action: 'opened', note: null },
          ...(assignee ? [{ at: now, by: oid(scope.user.id), action: 'assigned' as const, note: assignee.name }] : []),
        ],
        resolution: null,
        resolvedAt: null,
        closedAt: null,
        satisfaction: null,
        reopened: 0,
        createdBy: oid(scope.user.id),
      })
    ).toObject() as Ticket;
    await this.deps.timeline.append([
      { customerId: customer._id, type: 'ticketOpened', actorId: scope.user.id, data: { ticketId: ticket._id.toHexString(), number, category: input.category, priority: input.priority }, key: `ticketOpened:${ticket._id}` },
    ]);
    await this.tellOwner(ticket, customer, 'opened', scope.user.id);
    return this.view(ticket);
  }

  async assign(scope: RequestScope, id: string, assigneeId: string, locale: Locale) {
    scope.require('ticket.handle');
    const ticket = await this.find(scope, id);
    const assignee = await this.serviceUser(assigneeId);
    // service staff take tickets for themselves; managers and admins hand them to anyone in service
    if (scope.role === 'service' && assigneeId !== scope.user.id) throw new AppError('FORBIDDEN');
    const now = this.deps.clock.now();
    const updated = await this.deps.tickets
      .findOneAndUpdate(
        { _id: ticket._id, status: { $in: ['new', 'assigned'] } },
        {
          $set: { assigneeId: assignee._id, assigneeDepartmentId: assignee.departmentId, status: 'assigned' },
          $push: { log: { at: now, by: oid(scope.user.id), action: 'assigned', note: assignee.name } },
        },
        { returnDocument: 'after' },
      )
      .lean<Ticket>();
    if (!updated) throw new AppError('CONFLICT', { messageKey: 'error.ticket.badTransition', params: { status: ticketStatusName(ticket.status, locale) } });
    return this.view(updated);
  }

  async transition(scope: RequestScope, id: string, input: TransitionInput, locale: Locale) {
    const ticket = await this.find(scope, id);
    // the assignee and service managers work a ticket; whoever opened it may also close or reopen it
    const working = scope.can('ticket.handle') && this.handles(scope, ticket);
    if (!working && !(input.action === 'close' || input.action === 'reopen')) throw new AppError('FORBIDDEN');
    if (input.action === 'resolve' && !input.resolution) throw new AppError('VALIDATION', { messageKey: 'error.ticket.resolutionRequired', details: [{ path: 'resolution', message: 'required' }] });
    const move = moves[input.action];
    const now = this.deps.clock.now();
    const action = ({ start: 'started', resolve: 'resolved', close: 'closed', reopen: 'reopened' } as const)[input.action];
    const updated = await this.deps.tickets
      .findOneAndUpdate(
        { _id: ticket._id, status: { $in: move.from } },
        {
          $set: {
            status: move.to,
            ...(input.action === 'resolve' ? { resolution: input.resolution, resolvedAt: now } : {}),
            ...(input.action === 'close' ? { closedAt: now } : {}),
            ...(input.action === 'reopen' ? { resolvedAt: null, closedAt: null, satisfaction: null } : {}),
          },
          ...(input.action === 'reopen' ? { $inc: { reopened: 1 } } : {}),
          $push: { log: { at: now, by: oid(scope.user.id), action, note: input.note ?? input.resolution ?? null } },
        },
        { returnDocument: 'after' },
      )
      .lean<Ticket>();
    if (!updated) throw new AppError('CONFLICT', { messageKey: 'error.ticket.badTransition', params: { status: ticketStatusName(ticket.status, locale) } });
    if (input.action === 'resolve') {
      await this.deps.timeline.append([
        { customerId: ticket.customerId, type: 'ticketResolved', actorId: scope.user.id, data: { ticketId: ticket._id.toHexString(), number: ticket.number }, key: `ticketResolved:${ticket._id}:${updated.reopened}` },
      ]);
      await this.tellOwner(updated, null, 'resolved', scope.user.id);
      await publishQuietly(this.deps.events ?? noEvents, [
        {
          type: 'ticket.resolved',
          entity: 'ticket',
          entityId: updated._id.toHexString(),
          data: eventData(updated, ['number', 'customerId', 'contactId', 'category', 'priority', 'status', 'description', 'resolution', 'assigneeId', 'dueAt', 'resolvedAt', 'reopened', 'createdAt']),
          occurredAt: now,
        },
      ]);
    }
    return this.view(updated);
  }

  async addNote(scope: RequestScope, id: string, note: string) {
    const ticket = await this.find(scope, id);
    if (!scope.can('ticket.handle') || !this.handles(scope, ticket)) throw new AppError('FORBIDDEN');
    const updated = await this.deps.tickets
      .findOneAndUpdate({ _id: ticket._id }, { $push: { log: { at: this.deps.clock.now(), by: oid(scope.user.id), action: 'note', note } } }, { returnDocument: 'after' })
      .lean<Ticket>()
      .orFail();
    return this.view(updated);
  }

  /** The customer's rating, taken by whoever talks to them once the ticket is resolved. */
  async rate(scope: RequestScope, id: string, input: z.infer<typeof satisfactionBody>) {
    const ticket = await this.find(scope, id);
    const now = this.deps.clock.now();
    const updated = await this.deps.tickets
      .findOneAndUpdate(
        { _id: ticket._id, status: { $in: ['resolved', 'closed'] } },
        {
          $set: { satisfaction: { score: input.score, comment: input.comment ?? null, at: now, by: oid(scope.user.id) } },
          $push: { log: { at: now, by: oid(scope.user.id), action: 'rated', note: `${input.score}` } },
        },
        { returnDocument: 'after' },
      )
      .lean<Ticket>();
    if (!updated) throw new AppError('CONFLICT', { messageKey: 'error.ticket.notResolved' });
    return this.view(updated);
  }

  async get(scope: RequestScope, id: string) {
    return this.view(await this.find(scope, id));
  }

  /** Tickets the caller may see: their customers', assigned to them or their team, the service queue. */
  /** Who tickets can go to: active service staff (and admins), for whoever opens or routes tickets. */
  async assignees(scope: RequestScope) {
    if (!scope.can('ticket.handle') && !scope.can('customer.edit')) throw new AppError('FORBIDDEN');
    const ids = [...(await this.deps.org.activeUserIdsWithRole('service')), ...(await this.deps.org.activeUserIdsWithRole('admin'))];
    const names = await this.deps.org.displayNames(ids);
    return ids.map((id) => ({ id, name: names.get(id) ?? '' }));
  }

  /**
   * The tickets the caller may see, as a query condition (empty for directors and admins): the
   * list form of `find`'s check, shared by the list and the service report.
   */
  async reach(scope: RequestScope): Promise<Record<string, unknown>> {
    if (scope.seesAll) return {};
    const or: Record<string, unknown>[] = [{ assigneeId: oid(scope.user.id) }];
    if (scope.role === 'service') or.push({ status: 'new' });
    if (scope.seesTeam) or.push({ assigneeDepartmentId: { $in: scope.departmentSubtree.map(oid) } });
    if (scope.role !== 'service') or.push({ customerId: { $in: await this.deps.customers.visibleIdList(scope) } });
    return { $or: or };
  }

  async list(scope: RequestScope, query: { status?: TicketStatus; open?: boolean; customerId?: string; mine?: boolean; limit: number; cursor?: string }) {
    const me = oid(scope.user.id);
    // the reach still applies, so naming a customer never widens what the caller sees
    const conditions: Record<string, unknown>[] = [await this.reach(scope)];
    if (query.customerId) conditions.push({ customerId: oid(query.customerId) });
    if (query.status) conditions.push({ status: query.status });
    if (query.open) conditions.push({ status: { $ne: 'closed' } });
    if (query.mine) conditions.push({ assigneeId: me });
    const position = decodeCursor(query.cursor);
    if (position) conditions.push(afterCursor('createdAt', -1, position, reviveDate));
    const rows = await this.deps.tickets.find({ $and: conditions }).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean<Ticket[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (t) => t.createdAt);
    return { items: await this.views(page), nextCursor };
  }

  /**
   * Open tickets whose SLA passes within `withinMs`: the assignee (or, unassigned, nobody yet)
   * and the assignee's manager are told once per ticket; the mark is written before the send.
   */
  async warnSlaDue(withinMs = hourMs): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.deps.tickets
      .find({ slaWarnedAt: null, status: { $in: ['new', 'assigned', 'in_progress'] }, dueAt: { $lte: new Date(now.getTime() + withinMs) } })
      .limit(500)
      .lean<Ticket[]>();
    let warned = 0;
    for (const ticket of due) {
      const marked = await this.deps.tickets.updateOne({ _id: ticket._id, slaWarnedAt: null }, { $set: { slaWarnedAt: now } });
      if (marked.modifiedCount === 0) continue; // another process took it
      const manager = ticket.assigneeDepartmentId ? await this.deps.org.managerOfDepartment(ticket.assigneeDepartmentId.toHexString(), ticket.assigneeId?.toHexString() ?? []) : null;
      const recipients = [...new Set([ticket.assigneeId?.toHexString(), manager].filter((id): id is string => !!id))];
      if (recipients.length === 0) continue;
      await this.deps.cards.send({ id: `sla-${ticket._id.toHexString()}`, data: await this.card(ticket, 'slaWarning') }, recipients);
      warned++;
    }
    return warned;
  }

  /** The customer's owner hears of it, unless they are the one who did it. */
  private async tellOwner(ticket: Ticket, customer: Customer | null, event: 'opened' | 'resolved', actorId: string): Promise<void> {
    const owner = customer?.ownerId ?? (await this.deps.customers.owners([ticket.customerId])).get(ticket.customerId.toHexString())?.ownerId;
    if (!owner || String(owner) === actorId) return;
    await this.deps.cards.send({ id: `ticket-${event}-${ticket._id.toHexString()}-${ticket.reopened}`, data: await this.card(ticket, event) }, [String(owner)]);
  }

  private async card(ticket: Ticket, event: 'opened' | 'resolved' | 'slaWarning'): Promise<CardData> {
    const name = (await this.deps.customers.namesOf([ticket.customerId])).get(ticket.customerId.toHexString()) ?? '';
    return { kind: 'ticketUpdate', event, ticketId: ticket._id.toHexString(), number: ticket.number, customer: { id: ticket.customerId.toHexString(), name }, category: ticket.category, priority: ticket.priority, dueAt: ticket.dueAt.toISOString() };
  }

  private async serviceUser(id: string) {
    const user = await this.deps.org.findUserById(id);
    if (!user || !user.active || (user.role !== 'service' && user.role !== 'admin')) throw new AppError('VALIDATION', { messageKey: 'error.ticket.notAssignee', details: [{ path: 'assigneeId', message: 'not service staff' }] });
    return user;
  }

  private async view(ticket: Ticket) {
    return (await this.views([ticket]))[0]!;
  }

  /** Views of a page of tickets: the people's and customers' names read once for the page. */
  private async views(tickets: Ticket[]) {
    const now = this.deps.clock.now();
    const names = await this.deps.org.displayNames(tickets.flatMap((t) => [t.assigneeId, t.createdBy, ...t.log.map((l) => l.by)]));
    const customers = await this.deps.customers.namesOf(tickets.map((t) => t.customerId));
    const person = (id: Types.ObjectId | null) => (id ? { id: id.toHexString(), name: names.get(id.toHexString()) ?? '' } : null);
    return tickets.map((ticket) => this.viewOf(ticket, now, customers.get(ticket.customerId.toHexString()) ?? '', person));
  }

  private viewOf(ticket: Ticket, now: Date, customer: string, person: (id: Types.ObjectId | null) => { id: string; name: string } | null) {
    const finished = ticket.resolvedAt ?? null;
    return {
      id: ticket._id.toHexString(),
      number: ticket.number,
      customer: { id: ticket.customerId.toHexString(), name: customer },
      contactId: ticket.contactId?.toHexString() ?? null,
      category: ticket.category,
      priority: ticket.priority,
      description: ticket.description,
      photoIds: ticket.photoIds.map((p) => p.toHexString()),
      assignee: person(ticket.assigneeId),
      status: ticket.status,
      dueAt: ticket.dueAt,
      /** the SLA was (or is being) missed: resolved after the due time, or still open past it */
      breached: finished ? finished > ticket.dueAt : now > ticket.dueAt,
      log: ticket.log.map((l) => ({ at: l.at, by: person(l.by), action: l.action, note: l.note })),
      resolution: ticket.resolution,
      resolvedAt: ticket.resolvedAt,
      closedAt: ticket.closedAt,
      satisfaction: ticket.satisfaction ? { score: ticket.satisfaction.score, comment: ticket.satisfaction.comment, at: ticket.satisfaction.at } : null,
      reopened: ticket.reopened,
      createdBy: person(ticket.createdBy),
      createdAt: ticket.createdAt,
    };
  }
}

