import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const ticketPriorities = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof ticketPriorities)[number];
export const ticketStatuses = ['new', 'assigned', 'in_progress', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

/** Hours to resolve, by priority: the SLA a new ticket gets. */
export const slaHours: Record<TicketPriority, number> = { urgent: 4, high: 8, normal: 24, low: 72 };

export interface TicketStep {
  at: Date;
  by: Types.ObjectId;
  action: 'opened' | 'assigned' | 'started' | 'note' | 'resolved' | 'closed' | 'reopened' | 'rated';
  note: string | null;
}

/** A service ticket (服务工单). */
export interface Ticket {
  _id: Types.ObjectId;
  number: string;
  customerId: Types.ObjectId;
  contactId: Types.ObjectId | null;
  category: string;
  priority: TicketPriority;
  description: string;
  photoIds: Types.ObjectId[];
  assigneeId: Types.ObjectId | null;
  assigneeDepartmentId: Types.ObjectId | null;
  status: TicketStatus;
  /** resolve by then (created + the priority's SLA hours) */
  dueAt: Date;
  /** when the assignee and their manager were told the SLA is about to pass (once) */
  slaWarnedAt: Date | null;
  log: TicketStep[];
  resolution: string | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  satisfaction: { score: number; comment: string | null; at: Date; by: Types.ObjectId } | null;
  reopened: number;
  createdBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const stepSchema = new Schema<TicketStep>(
  { at: { type: Date, required: true }, by: { type: Schema.Types.ObjectId, required: true }, action: { type: String, required: true }, note: { type: String, default: null } },
  { _id: false },
);

const ticketSchema = new Schema<Ticket>(
  {
    number: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    contactId: { type: Schema.Types.ObjectId, default: null },
    category: { type: String, required: true },
    priority: { type: String, required: true, enum: ticketPriorities },
    description: { type: String, required: true },
    photoIds: { type: [Schema.Types.ObjectId], default: [] },
    assigneeId: { type: Schema.Types.ObjectId, default: null },
    assigneeDepartmentId: { type: Schema.Types.ObjectId, default: null },
    status: { type: String, required: true, enum: ticketStatuses },
    dueAt: { type: Date, required: true },
    slaWarnedAt: { type: Date, default: null },
    log: { type: [stepSchema], default: [] },
    resolution: { type: String, default: null },
    resolvedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    satisfaction: { type: Schema.Types.Mixed, default: null },
    reopened: { type: Number, default: 0 },
    createdBy: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true, versionKey: false, minimize: false },
);

ticketSchema.index({ number: 1 }, { unique: true });
ticketSchema.index({ customerId: 1, createdAt: -1 });
ticketSchema.index({ assigneeId: 1, createdAt: -1 });
// a leaving assignee's open tickets (handover)
ticketSchema.index({ assigneeId: 1, status: 1 });
ticketSchema.index({ assigneeDepartmentId: 1, createdAt: -1 });
ticketSchema.index({ status: 1, createdAt: -1 });
ticketSchema.index({ createdAt: -1 });
// the SLA watch: open tickets due soon that nobody was warned about
ticketSchema.index({ slaWarnedAt: 1, status: 1, dueAt: 1 });

export type TicketModel = Model<Ticket>;

export function defineTicketModel(connection: Connection): TicketModel {
  return connection.model<Ticket>('Ticket', ticketSchema, 'tickets');
}
