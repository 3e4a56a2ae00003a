// Behaviour events (行为数据) from the company's own sites: taken in by a public endpoint that checks
// the site's key and origin and limits each address's rate, tied to a customer by a signed link id
// from a campaign link or by the phone number a form submitted (and from then on by the visitor
// id), shown on the customer's profile, and rolled up into daily counts after the retention age.
// A customer waiting in the pool who comes back to the site is worth a call: their last owner hears.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessDay, dayMs, startOfBusinessDay } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import type { RateLimiter } from '../../core/db/rate-limit.ts';
import type { Logger } from '../../core/logger.ts';
import type { RulesService } from '../rules/rules.service.ts';
import type { ContactModel } from '../contacts/contact.model.ts';
import type { Customer, CustomerModel } from '../customers/customer.model.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { OrgService } from '../org/org.service.ts';
import { mobileKey, normalisePhone, phoneTokens } from '../standards/index.ts';
import { eventTypes, type BehaviourEvent, type BehaviourModels, type EventType, type TrackingSite } from './behaviour.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));

export const trackBody = z
  .object({
    key: z.string().regex(/^ks_[0-9a-f]{32}$/),
    events: z
      .array(
        z
          .object({
            type: z.enum(eventTypes),
            visitorId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
            url: z.url().max(500),
            title: z.string().max(200).optional(),
            at: z.number().int().optional(),
            /** the signed link id a campaign link carried (?kmlid=) */
            linkId: z.string().max(200).optional(),
            /** what a form submitted, to recognise the person */
            phone: z.string().max(40).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(20),
  })
  .strict();
export type TrackInput = z.infer<typeof trackBody>;

export const siteBody = z.object({ name: z.string().trim().min(1).max(40), origins: z.array(z.url().max(200)).min(1).max(10) }).strict();

export class BehaviourService {
  private readonly deps: {
    models: BehaviourModels;
    limiter: RateLimiter;
    customerModel: CustomerModel;
    contactModel: ContactModel;
    customers: CustomerService;
    alerts: Pick<RulesService, 'alert'>;
    org: OrgService;
    clock: Clock;
    logger: Logger;
    /** signs campaign link ids */
    secret: string;
    /** events per minute one address may send for one site */
    ratePerMinute: number;
    /** raw events older than this many days are rolled up into daily counts */
    retentionDays: number;
  };

  constructor(deps: BehaviourService['deps']) {
    this.deps = deps;
  }

  // ---- sites -----------------------------------------------------------------------------------

  async createSite(scope: RequestScope, input: z.infer<typeof siteBody>) {
    scope.require('settings.manage');
    const site = await this.deps.models.trackingSites.create({
      name: input.name,
      key: `ks_${randomBytes(16).toString('hex')}`,
      origins: input.origins.map((o) => new URL(o).origin),
      active: true,
      createdAt: this.deps.clock.now(),
    });
    return siteView(site.toObject() as TrackingSite);
  }

  async sites(scope: RequestScope) {
    scope.require('settings.manage');
    return (await this.deps.models.trackingSites.find({}).sort({ createdAt: -1 }).limit(100).lean<TrackingSite[]>()).map(siteView);
  }

  /** The site a key names, when the request comes from one of its origins. */
  async siteFor(key: string, origin: string | undefined): Promise<TrackingSite | null> {
    const site = await this.deps.models.trackingSites.findOne({ key, active: true }).lean<TrackingSite>();
    if (!site || !origin || !site.origins.includes(origin)) return null;
    return site;
  }

  // ---- campaign links --------------------------------------------------------------------------

  /** A link id naming a customer, for campaign links (?kmlid=…): the site cannot forge one. */
  async linkId(scope: RequestScope, customerId: string): Promise<string> {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const id = customer._id.toHexString();
    return `${id}.${this.sign(id)}`;
  }

  private sign(id: string): string {
    return createHmac('sha256', this.deps.secret).update(`kemai-link:${id}`).digest('base64url').slice(0, 22);
  }

  private customerOfLink(linkId: string | undefined): Types.ObjectId | null {
    const match = linkId ? /^([0-9a-f]{24})\.([A-Za-z0-9_-]{22})$/.exec(linkId) : null;
    if (!match) return null;
    const expected = Buffer.from(this.sign(match[1]!));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given) ? oid(match[1]!) : null;
  }

  // ---- taking events in ------------------------------------------------------------------------

  /** One more batch from `ip` for the site, unless it is over its rate this minute (then nothing of it is stored). */
  async withinRate(site: TrackingSite, ip: string, events: number): Promise<boolean> {
    return this.deps.limiter.allow(`track:${site._id.toHexString()}:${ip}`, this.deps.ratePerMinute, events);
  }

  async ingest(site: TrackingSite, input: TrackInput): Promise<{ stored: number }> {
    const now = this.deps.clock.now();
    const docs: Omit<BehaviourEvent, '_id'>[] = [];
    for (const event of input.events) {
      const customerId = (await this.identify(site, event)) ?? null;
      // a client clock is trusted only within a day of ours
      const at = event.at && Math.abs(event.at - now.getTime()) < dayMs ? new Date(event.at) : now;
      docs.push({ siteId: site._id, visitorId: event.visitorId, customerId, type: event.type, url: event.url, title: event.title ?? null, at });
    }
    await this.deps.models.events.insertMany(docs);
    await this.alertPoolVisits([...new Set(docs.filter((d) => d.customerId).map((d) => d.customerId!.toHexString()))]);
    return { stored: docs.length };
  }

  /** The customer behind an event: a signed link, a submitted phone, or the visitor seen before. */
  private async identify(site: TrackingSite, event: TrackInput['events'][number]): Promise<Types.ObjectId | null> {
    const visitorKey = `${site._id.toHexString()}:${event.visitorId}`;
    let customerId = this.customerOfLink(event.linkId) ?? (event.phone ? await this.customerOfPhone(event.phone) : null);
    if (customerId) {
      const exists = await this.deps.customerModel.exists({ _id: customerId, deletedAt: null });
      if (!exists) customerId = null;
    }
    if (customerId) {
      await this.deps.models.visitors.updateOne({ _id: visitorKey }, { $set: { customerId, identifiedAt: this.deps.clock.now() } }, { upsert: true });
      return customerId;
    }
    return (await this.deps.models.visitors.findById(visitorKey).lean())?.customerId ?? null;
  }

  private async customerOfPhone(phone: string): Promise<Types.ObjectId | null> {
    const normalised = normalisePhone(phone);
    if (!normalised) return null;
    if (normalised.kind === 'mobile') {
      const customer = await this.deps.customerModel.findOne({ mobileKeys: mobileKey(normalised.value), deletedAt: null }, { _id: 1 }).lean<Customer>();
      if (customer) return customer._id;
    }
    const contact = await this.deps.contactModel.findOne({ searchTokens: phoneTokens(normalised)[0], deletedAt: null }, { customerId: 1 }).lean<{ customerId: Types.ObjectId }>();
    return contact?.customerId ?? null;
  }

  /** A pool customer back on the site: their last owner hears, once a day per customer. */
  private async alertPoolVisits(customerIds: string[]): Promise<void> {
    if (customerIds.length === 0) return;
    const pooled = await this.deps.customerModel.find({ _id: { $in: customerIds.map(oid) }, pool: { $ne: null }, deletedAt: null }, { name: 1, releases: 1 }).lean<Customer[]>();
    const day = businessDay(this.deps.clock.now());
    for (const customer of pooled) {
      const lastOwner = customer.releases?.at(-1)?.userId?.toHexString();
      if (!lastOwner) continue;
      // one card per customer and day, whatever the number of page views: the alerts' own key
      await this.deps.alerts.alert(`poolVisit-${customer._id.toHexString()}`, lastOwner, this.deps.clock.now(), { kind: 'poolVisit', customer: { id: customer._id.toHexString(), name: customer.name }, day });
    }
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** A customer's recent behaviour and what it adds up to this week ("visited 定价 3× this week"). */
  async forCustomer(scope: RequestScope, customerId: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const now = this.deps.clock.now();
    const recent = await this.deps.models.events.find({ customerId: customer._id }).sort({ at: -1 }).limit(50).lean<BehaviourEvent[]>();
    const week = await this.deps.models.events.aggregate<{ _id: { type: EventType; url: string }; count: number; title: string | null }>([
      { $match: { customerId: customer._id, at: { $gte: new Date(now.getTime() - 7 * dayMs) } } },
      { $group: { _id: { type: '$type', url: '$url' }, count: { $sum: 1 }, title: { $last: '$title' } } },
    ]);
    const older = await this.deps.models.eventDaily.aggregate<{ _id: EventType; count: number }>([
      { $match: { customerId: customer._id } },
      { $group: { _id: '$type', count: { $sum: '$count' } } },
    ]);
    return {
      week: week.map((w) => ({ type: w._id.type, url: w._id.url, title: w.title, count: w.count })).sort((a, b) => b.count - a.count),
      recent: recent.map((e) => ({ type: e.type, url: e.url, title: e.title, at: e.at })),
      /** counts kept from events past the retention age */
      archived: Object.fromEntries(older.map((o) => [o._id, o.count])),
    };
  }

  // ---- retention -------------------------------------------------------------------------------

  /**
   * Rolls raw events older than the retention age into daily counts, one whole Shanghai day at a
   * time: the day's counts are written with $set (recomputed in full), then its raw events go, so a
   * run cut short and run again counts nothing twice.
   */
  async rollUp(): Promise<{ days: number; events: number }> {
    const cutoff = startOfBusinessDay(new Date(this.deps.clock.now().getTime() - this.deps.retentionDays * dayMs));
    let days = 0;
    let events = 0;
    for (;;) {
      const oldest = await this.deps.models.events.findOne({ at: { $lt: cutoff } }).sort({ at: 1 }).lean<BehaviourEvent>();
      if (!oldest) break;
      const day = businessDay(oldest.at);
      const dayStart = new Date(Date.parse(`${day}T00:00:00+08:00`));
      const dayEnd = new Date(dayStart.getTime() + dayMs);
      const range = { at: { $gte: dayStart, $lt: dayEnd } };
      const groups = await this.deps.models.events.aggregate<{ _id: { customerId: Types.ObjectId | null; siteId: Types.ObjectId; type: EventType }; count: number }>([
        { $match: range },
        { $group: { _id: { customerId: '$customerId', siteId: '$siteId', type: '$type' }, count: { $sum: 1 } } },
      ]);
      for (const g of groups) {
        const id = `${g._id.siteId.toHexString()}:${g._id.customerId?.toHexString() ?? '-'}:${day}:${g._id.type}`;
        await this.deps.models.eventDaily.updateOne(
          { _id: id },
          { $set: { customerId: g._id.customerId, siteId: g._id.siteId, day, type: g._id.type, count: g.count } },
          { upsert: true },
        );
      }
      events += (await this.deps.models.events.deleteMany(range)).deletedCount;
      days++;
    }
    await this.deps.limiter.purge();
    return { days, events };
  }
}

function siteView(site: TrackingSite) {
  return { id: site._id.toHexString(), name: site.name, key: site.key, origins: site.origins, active: site.active };
}

