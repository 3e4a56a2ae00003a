// Campaigns (营销活动): invite customers (picked or a segment), register and check them in at the
// event, email them with per-recipient tracked links and an unsubscribe honoured forever, tell
// their owners in chat, and add up what came of it: leads, opportunities and won amounts, first-
// and last-touch, cost per lead and ROI. Emails go out from a queue at a set rate; each address
// gets a message at most once, and one whose send was cut short by a crash is not sent again.
import type { Lease, Locks } from '../../core/db/locks.ts';
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { CardService } from '../cards/card.service.ts';
import { calendarDay, money } from '../contracts/contract.input.ts';
import { yuan } from '../contracts/contract.service.ts';
import type { ContactModel } from '../contacts/contact.model.ts';
import type { Customer, CustomerModel } from '../customers/customer.model.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { LeadModels } from '../leads/lead.model.ts';
import type { OpportunityModel } from '../opportunities/opportunity.model.ts';
import type { SegmentService } from '../segments/segment.service.ts';
import { emailKey } from '../standards/index.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import { campaignStatuses, campaignTypes, type Campaign, type CampaignModels, type CampaignSend, type Participant } from './campaign.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const linkPattern = /https?:\/\/[^\s<>"']+/g;
/**
 * How long one process holds the send queue (CAMPAIGN_SEND_LEASE_MS): a process killed mid-send
 * leaves its lock behind, and the queue waits this long before another process carries on. A send
 * claimed twice this long ago and never finished was cut short by such a crash.
 */
const defaultSendLeaseMs = 5 * 60_000;

export const campaignBody = z
  .object({
    name: z.string().trim().min(1).max(60),
    type: z.enum(campaignTypes),
    startOn: calendarDay,
    endOn: calendarDay,
    budget: money.default(0),
    cost: money.default(0),
    segmentId: objectId.nullable().default(null),
    status: z.enum(campaignStatuses).default('planned'),
  })
  .strict()
  .refine((c) => c.endOn >= c.startOn, { message: 'ends before it starts', path: ['endOn'] });
export type CampaignInput = z.infer<typeof campaignBody>;

export const inviteBody = z.object({ customerIds: z.array(objectId).max(5000).optional(), segmentId: objectId.optional() }).strict();
export const messageBody = z.object({ subject: z.string().trim().min(1).max(120), body: z.string().trim().min(1).max(20_000) }).strict();

export interface Mailer {
  transport: Transporter;
  from: string;
  perMinute: number;
}

export class CampaignService {
  private readonly deps: {
    models: CampaignModels;
    customerModel: CustomerModel;
    contactModel: ContactModel;
    opportunities: OpportunityModel;
    leads: LeadModels['leadEntries'];
    customers: CustomerService;
    segments: SegmentService;
    cards: CardService;
    timeline: TimelineService;
    mailer: Mailer | null;
    publicUrl: string;
    clock: Clock;
    logger: Logger;
    /** one process sends at a time, so the per-minute rate holds across processes */
    locks: Locks;
    /** how long a sender holds the queue; longer than one send run takes (default 5 minutes) */
    sendLeaseMs?: number;
  };

  constructor(deps: CampaignService['deps']) {
    this.deps = deps;
  }

  /** Managers, directors and admins run campaigns; everyone sees them and invites their own customers. */
  requireOrganiser(scope: RequestScope): void {
    if (!scope.seesAll && !scope.seesTeam) throw new AppError('FORBIDDEN');
  }

  async create(scope: RequestScope, input: CampaignInput) {
    this.requireOrganiser(scope);
    const campaign = await this.deps.models.campaigns.create({
      name: input.name,
      type: input.type,
      startOn: input.startOn,
      endOn: input.endOn,
      budgetFen: input.budget,
      costFen: input.cost,
      ownerId: oid(scope.user.id),
      segmentId: input.segmentId ? oid(input.segmentId) : null,
      status: input.status,
      createdAt: this.deps.clock.now(),
    });
    return view(campaign.toObject() as Campaign);
  }

  async update(scope: RequestScope, id: string, input: CampaignInput) {
    this.requireOrganiser(scope);
    const campaign = await this.find(id);
    const updated = await this.deps.models.campaigns
      .findOneAndUpdate(
        { _id: campaign._id },
        { $set: { name: input.name, type: input.type, startOn: input.startOn, endOn: input.endOn, budgetFen: input.budget, costFen: input.cost, segmentId: input.segmentId ? oid(input.segmentId) : null, status: input.status } },
        { returnDocument: 'after' },
      )
      .lean<Campaign>()
      .orFail();
    return view(updated);
  }

  async find(id: string): Promise<Campaign> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const campaign = await this.deps.models.campaigns.findById(id).lean<Campaign>();
    if (!campaign) throw notFound();
    return campaign;
  }

  async get(id: string) {
    return view(await this.find(id));
  }

  async list() {
    return (await this.deps.models.campaigns.find({}).sort({ createdAt: -1 }).limit(200).lean<Campaign[]>()).map(view);
  }

  // ---- participants ----------------------------------------------------------------------------

  /** Invites customers the caller may see (picked, or a segment's); owners hear of it in chat. */
  async invite(scope: RequestScope, id: string, input: z.infer<typeof inviteBody>) {
    const campaign = await this.find(id);
    const ids = input.segmentId
      ? await this.deps.segments.customerIds(scope, input.segmentId)
      : [...(await this.deps.customers.visibleIds(scope, (input.customerIds ?? []).map(oid)))].map(oid);
    const now = this.deps.clock.now();
    let invited = 0;
    const fresh: Types.ObjectId[] = [];
    for (const customerId of ids) {
      const result = await this.deps.models.participants.updateOne(
        { campaignId: campaign._id, customerId },
        { $setOnInsert: { status: 'invited', invitedAt: now, registeredAt: null, attendedAt: null, invitedBy: oid(scope.user.id) } },
        { upsert: true },
      );
      if (result.upsertedCount) {
        invited++;
        fresh.push(customerId);
      }
    }
    await this.deps.timeline.append(
      fresh.map((customerId) => ({ customerId, type: 'campaignInvited', actorId: scope.user.id, data: { campaignId: campaign._id.toHexString(), name: campaign.name }, key: `campaignInvited:${campaign._id}:${customerId}` })),
    );
    await this.tellOwners(campaign, fresh);
    return { invited, already: ids.length - invited };
  }

  private async tellOwners(campaign: Campaign, customerIds: Types.ObjectId[]): Promise<void> {
    const customers = await this.deps.customerModel.find({ _id: { $in: customerIds }, ownerId: { $ne: null } }, { name: 1, ownerId: 1 }).lean<Customer[]>();
    const byOwner = new Map<string, Customer[]>();
    for (const c of customers) byOwner.set(c.ownerId!.toHexString(), [...(byOwner.get(c.ownerId!.toHexString()) ?? []), c]);
    for (const [owner, list] of byOwner) {
      await this.deps.cards.send(
        {
          id: `campaign-${campaign._id.toHexString()}-${owner}-${this.deps.clock.now().getTime()}`,
          data: { kind: 'campaignInvite', campaignId: campaign._id.toHexString(), name: campaign.name, startOn: campaign.startOn, customers: list.slice(0, 5).map((c) => ({ id: c._id.toHexString(), name: c.name })), total: list.length },
        },
        [owner],
      );
    }
  }

  /** Registered or attended (checked in at the event; a walk-in the caller may see is added). */
  async mark(scope: RequestScope, id: string, customerId: string, status: 'registered' | 'attended') {
    const campaign = await this.find(id);
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const now = this.deps.clock.now();
    const participant = await this.deps.models.participants
      .findOneAndUpdate(
        { campaignId: campaign._id, customerId: customer._id },
        {
          $set: { status, ...(status === 'attended' ? { attendedAt: now } : { registeredAt: now }) },
          $setOnInsert: { invitedAt: now, invitedBy: oid(scope.user.id), ...(status === 'attended' ? { registeredAt: null } : { attendedAt: null }) },
        },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<Participant>()
      .orFail();
    if (status === 'attended') {
      await this.deps.timeline.append([
        { customerId: customer._id, type: 'campaignAttended', actorId: scope.user.id, data: { campaignId: campaign._id.toHexString(), name: campaign.name }, key: `campaignAttended:${campaign._id}:${customer._id}` },
      ]);
    }
    return { customerId: participant.customerId.toHexString(), status: participant.status };
  }

  async participants(scope: RequestScope, id: string) {
    const campaign = await this.find(id);
    const rows = await this.deps.models.participants.find({ campaignId: campaign._id }).limit(5000).lean<Participant[]>();
    // a rep sees the participants who are their customers; the counts are everyone's
    const visible = await this.deps.customers.visibleIds(scope, rows.map((r) => r.customerId));
    const names = await this.deps.customers.namesOf(rows.filter((r) => visible.has(r.customerId.toHexString())).map((r) => r.customerId));
    return rows
      .filter((r) => visible.has(r.customerId.toHexString()))
      .map((r) => ({ customer: { id: r.customerId.toHexString(), name: names.get(r.customerId.toHexString()) ?? '' }, status: r.status, invitedAt: r.invitedAt, attendedAt: r.attendedAt }));
  }

  // ---- email -----------------------------------------------------------------------------------

  /** Queues a message to every participant with an email who has not unsubscribed; sends begin at once. */
  async message(scope: RequestScope, id: string, input: z.infer<typeof messageBody>) {
    this.requireOrganiser(scope);
    if (!this.deps.mailer) throw new AppError('CONFLICT', { messageKey: 'error.campaign.noMail' });
    const campaign = await this.find(id);
    const message = await this.deps.models.campaignMessages.create({ campaignId: campaign._id, subject: input.subject, body: input.body, createdBy: oid(scope.user.id), createdAt: this.deps.clock.now() });
    const participants = await this.deps.models.participants.find({ campaignId: campaign._id }, { customerId: 1 }).lean<Participant[]>();
    const customerIds = participants.map((p) => p.customerId);
    const customers = await this.deps.customerModel.find({ _id: { $in: customerIds }, deletedAt: null }, { email: 1 }).lean<Customer[]>();
    const contacts = await this.deps.contactModel.find({ customerId: { $in: customerIds }, deletedAt: null, emailKey: { $ne: null } }, { customerId: 1, email: 1 }).lean<{ customerId: Types.ObjectId; email?: string }[]>();
    // one send per address, by its blind index (addresses are stored encrypted)
    const recipients = new Map<string, { email: string; customerId: Types.ObjectId }>();
    for (const { email, customerId } of [...customers.map((c) => ({ email: c.email, customerId: c._id })), ...contacts]) {
      if (!email) continue;
      const key = emailKey(email);
      if (!recipients.has(key)) recipients.set(key, { email: email.toLowerCase(), customerId });
    }
    const unsubscribed = new Set((await this.deps.models.unsubscribes.find({ _id: { $in: [...recipients.keys()] } }, { _id: 1 }).lean()).map((u) => u._id));
    let queued = 0;
    let skipped = 0;
    for (const [key, { email, customerId }] of recipients) {
      const status = unsubscribed.has(key) ? 'skipped' : 'queued';
      try {
        await this.deps.models.campaignSends.create({ messageId: message._id, campaignId: campaign._id, customerId, email, emailKey: key, token: randomBytes(12).toString('base64url'), status, error: status === 'skipped' ? 'unsubscribed' : null, claimedAt: null, sentAt: null, clicks: 0 });
        if (status === 'queued') queued++;
        else skipped++;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
    void this.sendQueued().catch((error: unknown) => this.deps.logger.error({ err: error }, 'campaign sends failed'));
    return { messageId: message._id.toHexString(), queued, skipped };
  }

  /**
   * Sends queued emails within the per-minute rate. Each is claimed (queued → sending) before it
   * goes and marked sent after; one found still sending long after its claim was cut short by a
   * crash, and is marked failed rather than sent twice.
   */
  async sendQueued(): Promise<{ sent: number; failed: number }> {
    // the rate is counted from the last minute's sends: two processes counting at once would each spend it
    return (await this.deps.locks.tryWith('campaigns.send', (lease) => this.sendQueuedAlone(lease), { ttlMs: this.sendLeaseMs, waitMs: 2_000 })) ?? { sent: 0, failed: 0 };
  }

  private get sendLeaseMs(): number {
    return this.deps.sendLeaseMs ?? defaultSendLeaseMs;
  }

  private async sendQueuedAlone(lease: Lease): Promise<{ sent: number; failed: number }> {
    const mailer = this.deps.mailer;
    const counts = { sent: 0, failed: 0 };
    if (!mailer) return counts;
    const now = this.deps.clock.now();
    await this.deps.models.campaignSends.updateMany(
      { status: 'sending', claimedAt: { $lt: new Date(now.getTime() - 2 * this.sendLeaseMs) } },
      { $set: { status: 'failed', error: 'interrupted; not sent again to avoid a duplicate' } },
    );
    const recent = await this.deps.models.campaignSends.countDocuments({ status: 'sent', sentAt: { $gt: new Date(now.getTime() - 60_000) } });
    let room = Math.max(0, mailer.perMinute - recent);
    let renewedAt = Date.now();
    while (room > 0) {
      // a long run keeps the lock (another process sending alongside would exceed the rate); a run
      // whose lock lapsed while an email hung, and was taken over, stops here
      if (Date.now() - renewedAt > this.sendLeaseMs / 3) {
        if (!(await lease.renew())) break;
        renewedAt = Date.now();
      }
      const send = await this.deps.models.campaignSends.findOneAndUpdate({ status: 'queued' }, { $set: { status: 'sending', claimedAt: now } }, { sort: { _id: 1 }, returnDocument: 'after' }).lean<CampaignSend>();
      if (!send) break;
      room--;
      // the address may have unsubscribed since the message was queued
      if (await this.deps.models.unsubscribes.exists({ _id: send.emailKey })) {
        await this.deps.models.campaignSends.updateOne({ _id: send._id }, { $set: { status: 'skipped', error: 'unsubscribed' } });
        continue;
      }
      const message = (await this.deps.models.campaignMessages.findById(send.messageId).lean())!;
      const unsubscribe = `${this.deps.publicUrl}/u/${send.token}`;
      const body = message.body.replace(linkPattern, (url) => `${this.deps.publicUrl}/c/${send.token}?to=${encodeURIComponent(url)}`);
      try {
        await mailer.transport.sendMail({
          from: mailer.from,
          to: send.email,
          subject: message.subject,
          text: `${body}\n\n不想再收到此类邮件？退订：${unsubscribe}`,
          headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'X-Kemai-Send': send._id.toHexString() },
        });
        await this.deps.models.campaignSends.updateOne({ _id: send._id }, { $set: { status: 'sent', sentAt: this.deps.clock.now() } });
        counts.sent++;
      } catch (error) {
        // a permanent refusal of the recipient (550 no such user and the like) is a bounce
        const code = (error as { responseCode?: number }).responseCode ?? 0;
        const bounced = code >= 550 && code < 560;
        await this.deps.models.campaignSends.updateOne({ _id: send._id }, { $set: { status: 'failed', error: (error as Error).message.slice(0, 200), ...(bounced ? { bounced } : {}) } });
        counts.failed++;
      }
    }
    return counts;
  }

  /** Addresses the receiving servers refused for good: the weekly cleaning marks their people as gone. */
  async bouncedEmails(): Promise<string[]> {
    const sends = await this.deps.models.campaignSends.find({ bounced: true }, { email: 1 }).sort({ _id: 1 }).limit(10_000).lean<CampaignSend[]>();
    return [...new Set(sends.map((s) => s.email))];
  }

  /** A tracked link: counts the click, then goes on — only to a link the message itself carried. */
  async click(token: string, to: string): Promise<string | null> {
    const send = await this.deps.models.campaignSends.findOne({ token }).lean<CampaignSend>();
    if (!send) return null;
    const message = await this.deps.models.campaignMessages.findById(send.messageId).lean();
    const links: string[] = message?.body.match(linkPattern) ?? [];
    if (!message || !links.includes(to)) return null;
    await this.deps.models.campaignSends.updateOne({ _id: send._id }, { $inc: { clicks: 1 } });
    return to;
  }

  /** Unsubscribes the address for good: no campaign sends to it again. */
  async unsubscribe(token: string): Promise<boolean> {
    const send = await this.deps.models.campaignSends.findOne({ token }).lean<CampaignSend>();
    if (!send) return false;
    await this.deps.models.unsubscribes.updateOne({ _id: send.emailKey }, { $setOnInsert: { email: send.email, at: this.deps.clock.now() } }, { upsert: true });
    await this.deps.models.campaignSends.updateMany({ emailKey: send.emailKey, status: 'queued' }, { $set: { status: 'skipped', error: 'unsubscribed' } });
    return true;
  }

  async sendStatus(id: string) {
    const campaign = await this.find(id);
    const rows = await this.deps.models.campaignSends.aggregate<{ _id: string; n: number; clicks: number }>([
      { $match: { campaignId: campaign._id } },
      { $group: { _id: '$status', n: { $sum: 1 }, clicks: { $sum: '$clicks' } } },
    ]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  // ---- results ---------------------------------------------------------------------------------

  /**
   * What the campaign brought: participants by stage, leads it captured, opportunities of its
   * customers opened from its start, and the amount won — first-touch (it was the customer's first
   * campaign) and last-touch (it was the latest campaign before the opportunity) — with cost per
   * lead and return on cost.
   */
  async results(id: string) {
    const campaign = await this.find(id);
    const participants = await this.deps.models.participants.find({ campaignId: campaign._id }, { customerId: 1, status: 1 }).lean<Participant[]>();
    const leads = await this.deps.leads.find({ campaignId: campaign._id }, { customerId: 1 }).lean<{ customerId: Types.ObjectId }[]>();
    const touched = [...new Map([...participants.map((p) => p.customerId), ...leads.map((l) => l.customerId)].map((c) => [c.toHexString(), c])).values()];
    const start = new Date(Date.parse(`${campaign.startOn}T00:00:00+08:00`));
    const opportunities = await this.deps.opportunities.find({ customerId: { $in: touched }, createdAt: { $gte: start } }, { customerId: 1, status: 1, amountFen: 1, createdAt: 1 }).lean<{ customerId: Types.ObjectId; status: string; amountFen: number; createdAt: Date }[]>();
    // every campaign touch of these customers, to tell first from last
    const touches = await this.deps.models.participants.find({ customerId: { $in: touched } }, { customerId: 1, campaignId: 1, invitedAt: 1 }).lean<Participant[]>();
    const leadTouches = await this.deps.leads.find({ customerId: { $in: touched }, campaignId: { $ne: null } }, { customerId: 1, campaignId: 1, createdAt: 1 }).lean<{ customerId: Types.ObjectId; campaignId: Types.ObjectId; createdAt: Date }[]>();
    const allTouches = [...touches.map((t) => ({ customer: t.customerId.toHexString(), campaign: t.campaignId.toHexString(), at: t.invitedAt })), ...leadTouches.map((t) => ({ customer: t.customerId.toHexString(), campaign: t.campaignId.toHexString(), at: t.createdAt }))];
    const me = campaign._id.toHexString();
    let firstTouchFen = 0;
    let lastTouchFen = 0;
    for (const o of opportunities.filter((o) => o.status === 'won')) {
      const before = allTouches.filter((t) => t.customer === o.customerId.toHexString() && t.at <= o.createdAt).sort((a, b) => a.at.getTime() - b.at.getTime());
      if (before[0]?.campaign === me) firstTouchFen += o.amountFen;
      if (before.at(-1)?.campaign === me) lastTouchFen += o.amountFen;
    }
    const count = (status: Participant['status'][]) => participants.filter((p) => status.includes(p.status)).length;
    const won = opportunities.filter((o) => o.status === 'won');
    return {
      invited: participants.length,
      registered: count(['registered', 'attended']),
      attended: count(['attended']),
      leads: leads.length,
      opportunities: opportunities.length,
      won: won.length,
      wonFen: won.reduce((sum, o) => sum + o.amountFen, 0),
      firstTouchFen,
      lastTouchFen,
      costFen: campaign.costFen,
      costPerLeadFen: leads.length ? Math.round(campaign.costFen / leads.length) : null,
      /** (won, last-touch, less cost) over cost, in percent; null without a cost */
      roi: campaign.costFen > 0 ? Math.round(((lastTouchFen - campaign.costFen) / campaign.costFen) * 1000) / 10 : null,
      cost: yuan(campaign.costFen),
    };
  }
}

function view(c: Campaign) {
  return {
    id: c._id.toHexString(),
    name: c.name,
    type: c.type,
    startOn: c.startOn,
    endOn: c.endOn,
    budgetFen: c.budgetFen,
    costFen: c.costFen,
    ownerId: c.ownerId.toHexString(),
    segmentId: c.segmentId?.toHexString() ?? null,
    status: c.status,
  };
}
