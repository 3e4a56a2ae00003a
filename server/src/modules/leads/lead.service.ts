// Lead capture and assignment: a lead from the app, a public form, the importer or the API is
// checked against existing customers first (a match attaches to that customer and tells its
// owner); a new one becomes a customer at the lead stage, handed by the first matching rule to
// the rep of that team holding the fewest customers (skipping reps at their holding limit or
// away), or to the pool when nobody can take it. Assignment within a team takes a lock, so leads
// arriving at once are shared evenly and the same way every time.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import { systemScope } from '../../core/auth/system-scope.ts';
import type { Clock } from '../../core/clock.ts';
import { eventData, publishQuietly } from '../../core/event-data.ts';
import { noEvents, type EventPublisher } from '../../core/events.ts';
import type { Locks } from '../../core/db/locks.ts';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { CardService } from '../cards/card.service.ts';
import { createCustomerBody, type CreateCustomerInput } from '../customers/customer.input.ts';
import type { CustomerModel } from '../customers/customer.model.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { PoolService } from '../customers/pool.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { UserModel, User } from '../org/user.model.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import { canonicalRegion, findProvince, normalisePhone } from '../standards/index.ts';
import type { AssignmentRule, LeadEntry, LeadForm, LeadFormInput, LeadModels, LeadSource } from './lead.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));

export const leadBody = z
  .object({
    name: z.string().trim().min(1).max(50),
    company: z.string().trim().max(100).optional(),
    phone: z.string().trim().max(40).optional(),
    email: z.string().trim().max(100).optional(),
    province: z.string().trim().max(30).optional(),
    city: z.string().trim().max(30).optional(),
    industry: z.string().trim().max(50).optional(),
    notes: z.string().trim().max(1000).optional(),
    campaignId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
    /** a rep adding their own lead keeps it instead of sending it through the rules */
    keep: z.boolean().default(false),
  })
  .strict()
  .refine((lead) => lead.phone || lead.email, { message: 'a phone or an email', path: ['phone'] });
export type LeadInput = z.infer<typeof leadBody>;

export interface CaptureResult {
  leadId: string;
  customerId: string;
  outcome: 'created' | 'attached';
  assignedTo: string | null;
}

export class LeadService {
  private readonly deps: {
    models: LeadModels;
    users: UserModel;
    customerModel: CustomerModel;
    customers: CustomerService;
    pool: PoolService;
    settings: SettingsService;
    cards: CardService;
    org: OrgService;
    timeline: TimelineService;
    locks: Locks;
    clock: Clock;
    logger: Logger;
    /** lead.assigned for webhooks */
    events?: EventPublisher;
  };

  constructor(deps: LeadService['deps']) {
    this.deps = deps;
  }

  // ---- rules and forms -------------------------------------------------------------------------

  async rules(): Promise<AssignmentRule[]> {
    return (await this.deps.models.leadRules.findById('lead').lean())?.rules ?? [];
  }

  async saveRules(scope: RequestScope, rules: AssignmentRule[]): Promise<AssignmentRule[]> {
    scope.require('settings.manage');
    await this.deps.models.leadRules.updateOne({ _id: 'lead' }, { $set: { rules } }, { upsert: true });
    return rules;
  }

  async createForm(scope: RequestScope, input: LeadFormInput) {
    scope.require('settings.manage');
    const form = await this.deps.models.leadForms.create({ ...input, campaignId: input.campaignId ? oid(input.campaignId) : null, createdAt: this.deps.clock.now() });
    return formView(form.toObject() as LeadForm);
  }

  async forms(scope: RequestScope) {
    scope.require('settings.manage');
    return (await this.deps.models.leadForms.find({}).sort({ createdAt: -1 }).limit(100).lean<LeadForm[]>()).map(formView);
  }

  async activeForm(id: string): Promise<LeadForm | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    return this.deps.models.leadForms.findOne({ _id: oid(id), active: true }).lean<LeadForm>();
  }

  // ---- capture ---------------------------------------------------------------------------------

  /** A lead from a signed-in user (the app or the API). */
  async add(scope: RequestScope, input: LeadInput, source: 'h5' | 'api'): Promise<CaptureResult> {
    scope.require('customer.create');
    return this.capture(input, { source, by: scope });
  }

  async capture(input: LeadInput, context: { source: LeadSource; by?: RequestScope; formId?: Types.ObjectId }): Promise<CaptureResult> {
    const phone = normalisePhone(input.phone);
    const name = input.company?.trim() || input.name;
    const type = input.company?.trim() ? 'company' : 'person';
    const now = this.deps.clock.now();
    const entry = {
      source: context.source,
      formId: context.formId ?? null,
      campaignId: input.campaignId ? oid(input.campaignId) : null,
      name: input.name,
      company: input.company ?? null,
      phone: phone?.value ?? input.phone ?? null,
      email: input.email ?? null,
      notes: input.notes ?? null,
      createdBy: context.by ? oid(context.by.user.id) : null,
      createdAt: now,
    };

    // someone we know already: the lead attaches to them and their owner hears of it
    const matches = await this.deps.customers.findDuplicates(systemScope(), { type, name, phones: phone ? [phone.value] : [] });
    // the system scope sees every customer, so each match carries its id
    const known = matches[0]?.id ? { ...matches[0], id: matches[0].id } : null;
    if (known) {
      const customerId = oid(known.id);
      const owner = (await this.deps.customers.owners([customerId])).get(known.id)?.ownerId ?? null;
      const lead = await this.deps.models.leadEntries.create({ ...entry, customerId, outcome: 'attached', assignedTo: owner ? oid(owner) : null, route: 'owner' });
      await this.deps.timeline.append([{ customerId, type: 'leadAttached', actorId: entry.createdBy, data: { leadId: lead._id.toHexString(), source: entry.source, name: input.name }, key: `lead:${lead._id}` }]);
      if (owner) await this.tell(owner, lead.toObject() as LeadEntry, known.name, true);
      if (owner) await this.assigned(lead.toObject() as LeadEntry);
      return { leadId: lead._id.toHexString(), customerId: known.id, outcome: 'attached', assignedTo: owner };
    }

    const region = this.region(input);
    const industry = input.industry ?? '其他';
    const keep = context.by && input.keep && context.by.can('customer.create');
    const rule = keep ? null : await this.ruleFor({ region, industry, source: context.source, campaignId: entry.campaignId });
    const fields = {
      type: type as 'company' | 'person',
      name,
      phones: phone ? [phone.value] : [],
      ...(input.email ? { email: input.email } : {}),
      ...(type === 'company' ? { industry } : {}),
      source: context.source === 'form' ? '官网' : '其他',
      stage: 'lead' as const,
      ...(region ? { region } : {}),
      ...(input.notes ? { notes: input.notes } : {}),
    };
    const created = keep
      ? await this.createFor(context.by!.user.id, fields, 'self', entry)
      : rule
        ? await this.deps.locks.with(`lead-assign:${rule.rule.departmentId}`, async () => {
            const rep = await this.pickRep(rule.rule.departmentId);
            return rep ? this.createFor(rep, fields, `rule:${rule.index}`, entry) : null;
          }, { waitMs: 30_000 })
        : null;
    if (created) return created;
    return this.toPool(fields, entry, rule?.rule.departmentId ?? null);
  }

  private region(input: LeadInput): { province: string; city?: string } | null {
    if (!input.province) return null;
    const province = findProvince(input.province)?.name;
    if (!province) return null;
    const checked = canonicalRegion({ province, ...(input.city ? { city: input.city } : {}) });
    return 'region' in checked ? (checked.region as { province: string; city?: string }) : { province };
  }

  private async ruleFor(lead: { region: { province: string; city?: string } | null; industry: string; source: LeadSource; campaignId: Types.ObjectId | null }) {
    const rules = await this.rules();
    for (const [index, rule] of rules.entries()) {
      if (rule.provinces.length && !rule.provinces.includes(lead.region?.province ?? '')) continue;
      if (rule.cities.length && !rule.cities.includes(lead.region?.city ?? '')) continue;
      if (rule.industries.length && !rule.industries.includes(lead.industry)) continue;
      if (rule.sources.length && !rule.sources.includes(lead.source)) continue;
      if (rule.campaignIds.length && !(lead.campaignId && rule.campaignIds.includes(lead.campaignId.toHexString()))) continue;
      return { rule, index };
    }
    return null;
  }

  /**
   * The team's rep holding the fewest customers, under the holding limit and not away; on a tie,
   * the one who got a lead least recently, then by id (the same choice every time).
   */
  private async pickRep(departmentId: string): Promise<string | null> {
    const subtree = await this.deps.org.departmentSubtree(departmentId);
    const now = this.deps.clock.now();
    const reps = await this.deps.users.find({ departmentId: { $in: subtree.map(oid) }, active: true, role: 'rep' }, { delegation: 1 }).lean<User[]>();
    const present = reps.filter((r) => !(r.delegation && r.delegation.until > now)).map((r) => r._id);
    if (present.length === 0) return null;
    const { holdingLimit } = await this.deps.settings.get('pool');
    const holdings = await this.deps.customerModel.aggregate<{ _id: Types.ObjectId; n: number }>([
      { $match: { ownerId: { $in: present }, deletedAt: null } },
      { $group: { _id: '$ownerId', n: { $sum: 1 } } },
    ]);
    const lastLead = await this.deps.models.leadEntries.aggregate<{ _id: Types.ObjectId; at: Date }>([
      { $match: { assignedTo: { $in: present }, outcome: 'created' } },
      { $group: { _id: '$assignedTo', at: { $max: '$createdAt' } } },
    ]);
    const held = (id: Types.ObjectId) => holdings.find((h) => h._id.equals(id))?.n ?? 0;
    const last = (id: Types.ObjectId) => lastLead.find((l) => l._id.equals(id))?.at.getTime() ?? 0;
    const candidates = present.filter((id) => held(id) < holdingLimit);
    candidates.sort((a, b) => held(a) - held(b) || last(a) - last(b) || a.toHexString().localeCompare(b.toHexString()));
    return candidates[0]?.toHexString() ?? null;
  }

  private async createFor(userId: string, fields: Record<string, unknown>, route: string, entry: Omit<LeadEntry, '_id' | 'customerId' | 'outcome' | 'assignedTo' | 'route'>): Promise<CaptureResult> {
    const { customer } = await this.deps.customers.create(systemScope(), customerInput(fields, userId), { locale: 'zh-CN', client: { via: 'api' } });
    const customerId = oid(customer.id);
    const lead = await this.deps.models.leadEntries.create({ ...entry, customerId, outcome: 'created', assignedTo: oid(userId), route });
    await this.deps.timeline.append([{ customerId, type: 'leadCaptured', actorId: entry.createdBy, data: { leadId: lead._id.toHexString(), source: entry.source }, key: `lead:${lead._id}` }]);
    if (route !== 'self') await this.tell(userId, lead.toObject() as LeadEntry, customer.name, false);
    await this.assigned(lead.toObject() as LeadEntry);
    return { leadId: lead._id.toHexString(), customerId: customer.id, outcome: 'created', assignedTo: userId };
  }

  /** Nobody can take it: it is created for the team's manager (or an admin) and released to the pool. */
  private async toPool(fields: Record<string, unknown>, entry: Omit<LeadEntry, '_id' | 'customerId' | 'outcome' | 'assignedTo' | 'route'>, departmentId: string | null): Promise<CaptureResult> {
    const holder = (departmentId ? await this.deps.org.managerOfDepartment(departmentId) : null) ?? (await this.deps.org.activeUserIdsWithRole('admin'))[0];
    if (!holder) throw new AppError('CONFLICT');
    const { customer } = await this.deps.customers.create(systemScope(), customerInput(fields, holder), { locale: 'zh-CN', client: { via: 'api' } });
    await this.deps.pool.release(systemScope(), customer.id, '新线索暂无可分配的销售', { locale: 'zh-CN', client: { via: 'job' } });
    const lead = await this.deps.models.leadEntries.create({ ...entry, customerId: oid(customer.id), outcome: 'created', assignedTo: null, route: 'pool' });
    return { leadId: lead._id.toHexString(), customerId: customer.id, outcome: 'created', assignedTo: null };
  }

  /** A lead that went to someone (a rule's rep, its adder, a known customer's owner): for webhooks. */
  private async assigned(lead: LeadEntry): Promise<void> {
    await publishQuietly(
      this.deps.events ?? noEvents,
      [
        {
          type: 'lead.assigned',
          entity: 'lead',
          entityId: lead._id.toHexString(),
          data: eventData(lead, ['source', 'formId', 'campaignId', 'name', 'company', 'phone', 'email', 'notes', 'customerId', 'outcome', 'assignedTo', 'route', 'createdBy', 'createdAt']),
          occurredAt: lead.createdAt,
        },
      ],
      this.deps.logger,
    );
  }

  private async tell(userId: string, lead: LeadEntry, customerName: string, known: boolean): Promise<void> {
    await this.deps.cards.send(
      {
        id: `lead-${lead._id.toHexString()}`,
        data: { kind: 'newLead', leadId: lead._id.toHexString(), customer: { id: lead.customerId.toHexString(), name: customerName }, contact: lead.name, source: lead.source, known },
      },
      [userId],
    );
  }

  /** Recent leads: everyone's for admins and directors, the team's for managers, a rep's own. */
  async list(scope: RequestScope, limit: number) {
    const filter: Record<string, unknown> = {};
    if (!scope.seesAll) {
      if (scope.seesTeam) {
        const users = await this.deps.users.find({ departmentId: { $in: scope.departmentSubtree.map(oid) } }, { _id: 1 }).lean<User[]>();
        filter.assignedTo = { $in: users.map((u) => u._id) };
      } else filter.assignedTo = oid(scope.user.id);
    }
    const rows = await this.deps.models.leadEntries.find(filter).sort({ createdAt: -1 }).limit(limit).lean<LeadEntry[]>();
    const names = await this.deps.org.displayNames(rows.map((r) => r.assignedTo));
    return rows.map((r) => ({
      id: r._id.toHexString(),
      source: r.source,
      name: r.name,
      company: r.company,
      customerId: r.customerId.toHexString(),
      outcome: r.outcome,
      route: r.route,
      assignedTo: r.assignedTo ? { id: r.assignedTo.toHexString(), name: names.get(r.assignedTo.toHexString()) ?? '' } : null,
      createdAt: r.createdAt,
    }));
  }
}

/** The customer a lead becomes, checked by the same rules as any customer entered by hand. */
function customerInput(fields: Record<string, unknown>, ownerId: string): CreateCustomerInput {
  const parsed = createCustomerBody.safeParse({ ...fields, ownerId });
  if (!parsed.success) throw new AppError('VALIDATION', { details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return parsed.data;
}

function formView(form: LeadForm) {
  return { id: form._id.toHexString(), title: form.title, intro: form.intro, fields: form.fields, campaignId: form.campaignId?.toHexString() ?? null, active: form.active, path: `/f/${form._id.toHexString()}` };
}
