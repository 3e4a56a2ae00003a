// Campaigns (营销活动), who took part, the messages sent to them and each recipient's send.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';
import { emailKey } from '../standards/index.ts';

export const campaignTypes = ['展会', '线上推广', '电话营销', '邮件', '沙龙', '其他'] as const;
export const campaignStatuses = ['planned', 'active', 'finished', 'cancelled'] as const;

export interface Campaign {
  _id: Types.ObjectId;
  name: string;
  type: (typeof campaignTypes)[number];
  startOn: string;
  endOn: string;
  budgetFen: number;
  costFen: number;
  ownerId: Types.ObjectId;
  segmentId: Types.ObjectId | null;
  status: (typeof campaignStatuses)[number];
  createdAt: Date;
}

export interface Participant {
  _id: Types.ObjectId;
  campaignId: Types.ObjectId;
  customerId: Types.ObjectId;
  status: 'invited' | 'registered' | 'attended';
  invitedAt: Date;
  registeredAt: Date | null;
  attendedAt: Date | null;
  invitedBy: Types.ObjectId;
}

export interface CampaignMessage {
  _id: Types.ObjectId;
  campaignId: Types.ObjectId;
  subject: string;
  /** plain text; links in it are tracked per recipient */
  body: string;
  createdBy: Types.ObjectId;
  createdAt: Date;
}

/** One email of a message to one address: queued → sending → sent | failed | skipped. */
export interface CampaignSend {
  _id: Types.ObjectId;
  messageId: Types.ObjectId;
  campaignId: Types.ObjectId;
  customerId: Types.ObjectId;
  /** encrypted at rest */
  email: string;
  /** the address's blind index (as a contact's): what sends are found and kept unique by */
  emailKey: string;
  /** names the recipient in tracked and unsubscribe links */
  token: string;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';
  error: string | null;
  /** the receiving server refused the address for good (5.x.x): the person has likely left */
  bounced?: boolean;
  claimedAt: Date | null;
  sentAt: Date | null;
  clicks: number;
}

const campaignSchema = new Schema<Campaign>(
  {
    name: { type: String, required: true },
    type: { type: String, required: true },
    startOn: { type: String, required: true },
    endOn: { type: String, required: true },
    budgetFen: { type: Number, default: 0 },
    costFen: { type: Number, default: 0 },
    ownerId: { type: Schema.Types.ObjectId, required: true },
    segmentId: { type: Schema.Types.ObjectId, default: null },
    status: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
campaignSchema.index({ createdAt: -1 });

const participantSchema = new Schema<Participant>(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, required: true },
    invitedAt: { type: Date, required: true },
    registeredAt: { type: Date, default: null },
    attendedAt: { type: Date, default: null },
    invitedBy: { type: Schema.Types.ObjectId, required: true },
  },
  { versionKey: false },
);
participantSchema.index({ campaignId: 1, customerId: 1 }, { unique: true });
participantSchema.index({ customerId: 1, invitedAt: 1 });

const messageSchema = new Schema<CampaignMessage>(
  { campaignId: { type: Schema.Types.ObjectId, required: true }, subject: { type: String, required: true }, body: { type: String, required: true }, createdBy: { type: Schema.Types.ObjectId, required: true }, createdAt: { type: Date, required: true } },
  { versionKey: false },
);
messageSchema.index({ campaignId: 1, createdAt: -1 });

const sendSchema = new Schema<CampaignSend>(
  {
    messageId: { type: Schema.Types.ObjectId, required: true },
    campaignId: { type: Schema.Types.ObjectId, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    email: { type: String, required: true },
    emailKey: { type: String, required: true },
    token: { type: String, required: true },
    status: { type: String, required: true },
    error: { type: String, default: null },
    bounced: { type: Boolean, default: undefined },
    claimedAt: { type: Date, default: null },
    sentAt: { type: Date, default: null },
    clicks: { type: Number, default: 0 },
  },
  { versionKey: false },
);
encryptedFields(sendSchema, ['email']);
// a send made with its address alone gets the address's key
sendSchema.pre('validate', function () {
  if (this.email && !this.emailKey) this.emailKey = emailKey(this.email);
});
// never twice to the same address for the same message
sendSchema.index({ messageId: 1, emailKey: 1 }, { unique: true });
// an unsubscribe skips the address's queued sends
sendSchema.index({ emailKey: 1, status: 1 });
sendSchema.index({ token: 1 }, { unique: true });
sendSchema.index({ status: 1, _id: 1 });
sendSchema.index({ campaignId: 1, status: 1 });
// a customer merge moves a customer's sends
sendSchema.index({ customerId: 1 });
// the weekly cleaning reads the addresses that bounced
sendSchema.index({ bounced: 1, _id: 1 }, { sparse: true });

/** An address that asked for no more campaign email: found by its blind index, the address kept encrypted. */
export interface Unsubscribe {
  /** the address's blind index */
  _id: string;
  email: string;
  at: Date;
}
const unsubscribeSchema = new Schema<Unsubscribe>(
  { _id: { type: String, required: true }, email: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
encryptedFields(unsubscribeSchema, ['email']);

export function defineCampaignModels(connection: Connection) {
  return {
    campaigns: connection.model<Campaign>('Campaign', campaignSchema, 'campaigns') as Model<Campaign>,
    participants: connection.model<Participant>('Participant', participantSchema, 'campaignParticipants') as Model<Participant>,
    campaignMessages: connection.model<CampaignMessage>('CampaignMessage', messageSchema, 'campaignMessages') as Model<CampaignMessage>,
    campaignSends: connection.model<CampaignSend>('CampaignSend', sendSchema, 'campaignSends') as Model<CampaignSend>,
    unsubscribes: connection.model<Unsubscribe>('Unsubscribe', unsubscribeSchema, 'unsubscribes') as Model<Unsubscribe>,
  };
}
export type CampaignModels = ReturnType<typeof defineCampaignModels>;
