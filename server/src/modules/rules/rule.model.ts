import { Schema, type Connection, type Model } from 'mongoose';

/** A rule admins edit: when it runs, what it looks for, and when it must keep quiet. */
export interface Rule {
  _id: string; // the rule's kind: staleCustomers, followUpDue, poolReclaim
  enabled: boolean;
  /** cron in Asia/Shanghai */
  schedule: string;
  params: Record<string, unknown>;
  quietHours: { start: string; end: string; weekends: boolean };
  updatedAt?: Date;
}

const ruleSchema = new Schema<Rule>(
  {
    _id: { type: String, required: true },
    enabled: { type: Boolean, default: true },
    schedule: { type: String, required: true },
    params: { type: Schema.Types.Mixed, default: {} },
    quietHours: {
      start: { type: String, default: '21:00' },
      end: { type: String, default: '08:00' },
      weekends: { type: Boolean, default: false },
    },
    updatedAt: Date,
  },
  { versionKey: false, minimize: false },
);

export type RuleModel = Model<Rule>;

export function defineRuleModel(connection: Connection): RuleModel {
  return connection.model<Rule>('Rule', ruleSchema, 'rules');
}

/** One alert to one recipient for one period: written before the card goes, under a unique key. */
export interface Alert {
  _id: string; // `${rule}:${userId}:${period}`
  rule: string;
  userId: string;
  period: string;
  cardId: string;
  createdAt: Date;
}

const alertSchema = new Schema<Alert>(
  {
    _id: { type: String, required: true },
    rule: { type: String, required: true },
    userId: { type: String, required: true },
    period: { type: String, required: true },
    cardId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
alertSchema.index({ rule: 1, createdAt: -1 });
alertSchema.index({ createdAt: -1 });

export type AlertModel = Model<Alert>;

export function defineAlertModel(connection: Connection): AlertModel {
  return connection.model<Alert>('Alert', alertSchema, 'alerts');
}

/** "明天提醒": a customer a person asked not to be reminded about until then. */
export interface Snooze {
  _id: string; // `${userId}:${customerId}`
  until: Date;
}

const snoozeSchema = new Schema<Snooze>({ _id: { type: String, required: true }, until: { type: Date, required: true } }, { versionKey: false });
snoozeSchema.index({ until: 1 });

export type SnoozeModel = Model<Snooze>;

export function defineSnoozeModel(connection: Connection): SnoozeModel {
  return connection.model<Snooze>('Snooze', snoozeSchema, 'snoozes');
}
