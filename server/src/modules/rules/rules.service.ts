// Alerts that remind people: rules are data admins edit; each run scans customers in a stream,
// batches what it finds into one card per recipient, and writes each alert's key (rule, person,
// day) under a unique index before sending, so two processes never send the same alert twice.
import type { CardData } from '../../../../bot-cards/index.ts';
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { systemScope } from '../../core/auth/system-scope.ts';
import { businessDay, dayMs, startOfBusinessDay } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { quietUntil } from '../../core/quiet-hours.ts';
import type { CardService } from '../cards/card.service.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { ContractService } from '../contracts/contract.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import type { OpportunityService } from '../opportunities/opportunity.service.ts';
import type { FollowUpService } from '../follow-ups/follow-up.service.ts';
import { birthdayKeysOn } from '../standards/index.ts';
import type { Customer } from '../customers/customer.model.ts';
import type { CustomerService, ScannedCustomer } from '../customers/customer.service.ts';
import type { PoolService } from '../customers/pool.service.ts';
import type { OrgService } from '../org/org.service.ts';
import { defaultRules, ruleKinds, ruleParams, type RuleKind } from './rule-params.ts';
import type { AlertModel, Rule, RuleModel, SnoozeModel } from './rule.model.ts';
import type { EventDispatcher } from '../../platforms/dispatcher.ts';

const stages = ['lead', 'prospect', 'customer'] as const;

export interface RunResult {
  rule: RuleKind;
  /** held by quiet hours until then */
  deferredUntil?: Date;
  alerts: number;
  reclaimed?: number;
}

/** The cards a run would send and the customers it would reclaim. */
interface Plan {
  alerts: { rule: string; userId: string; data: CardData }[];
  reclaim: string[];
  /** contracts whose owners this run tells they end soon (told once) */
  ending?: string[];
}

/** One recipient's list: the five most pressing items and how many there are in all. */
class Bucket<T extends { weight: number }> {
  top: T[] = [];
  total = 0;
  add(item: T): void {
    this.total++;
    this.top.push(item);
    this.top.sort((a, b) => b.weight - a.weight);
    if (this.top.length > 5) this.top.pop();
  }
}

export class RulesService {
  private readonly deps: {
    rules: RuleModel;
    alerts: AlertModel;
    snoozes: SnoozeModel;
    customers: CustomerService;
    contacts: ContactService;
    followUps: FollowUpService;
    pool: PoolService;
    contracts: ContractService;
    opportunities: OpportunityService;
    timeline: TimelineService;
    cards: CardService;
    org: OrgService;
    clock: Clock;
    logger: Logger;
  };

  constructor(deps: RulesService['deps']) {
    this.deps = deps;
  }

  async seedDefaults(): Promise<void> {
    await this.deps.rules.bulkWrite(
      ruleKinds.map((kind) => ({
        updateOne: {
          filter: { _id: kind },
          update: { $setOnInsert: { _id: kind, enabled: true, schedule: defaultRules[kind].schedule, params: ruleParams[kind].parse({}), quietHours: { start: '21:00', end: '08:00', weekends: false } } },
          upsert: true,
        },
      })),
    );
  }

  async list(): Promise<Rule[]> {
    return this.deps.rules.find({}).sort({ _id: 1 }).lean<Rule[]>();
  }

  async get(kind: string): Promise<Rule> {
    if (!ruleKinds.includes(kind as RuleKind)) throw notFound();
    const rule = await this.deps.rules.findById(kind).lean<Rule>();
    if (!rule) throw notFound();
    return rule;
  }

  async update(scope: RequestScope, kind: string, change: { enabled?: boolean; schedule?: string; params?: unknown; quietHours?: Rule['quietHours'] }): Promise<Rule> {
    scope.require('settings.manage');
    const rule = await this.get(kind);
    const set: Record<string, unknown> = { updatedAt: this.deps.clock.now() };
    if (change.enabled !== undefined) set.enabled = change.enabled;
    if (change.schedule !== undefined) set.schedule = change.schedule;
    if (change.quietHours !== undefined) set.quietHours = change.quietHours;
    if (change.params !== undefined) {
      const parsed = ruleParams[kind as RuleKind].safeParse(change.params);
      if (!parsed.success) throw new AppError('VALIDATION', { details: parsed.error.issues.map((i) => ({ path: `params.${i.path.join('.')}`, message: i.message })) });
      set.params = parsed.data;
    }
    return this.deps.rules.findOneAndUpdate({ _id: rule._id }, { $set: set }, { returnDocument: 'after' }).lean<Rule>().orFail();
  }

  /** Runs a rule now, unless it is disabled or quiet hours hold it (then it says until when). */
  async run(kind: RuleKind): Promise<RunResult> {
    const rule = await this.get(kind);
    const now = this.deps.clock.now();
    if (!rule.enabled) return { rule: kind, alerts: 0 };
    const held = quietUntil(now, rule.quietHours);
    if (held) return { rule: kind, alerts: 0, deferredUntil: held };
    const plan = await this.plan(rule, now);
    let alerts = 0;
    for (const alert of plan.alerts) if (await this.alert(alert.rule, alert.userId, now, alert.data)) alerts++;
    if (plan.ending) await this.deps.contracts.markEndingAlerted(plan.ending, now);
    if (kind !== 'poolReclaim') return { rule: kind, alerts };
    let reclaimed = 0;
    const system = systemScope();
    for (const id of plan.reclaim) {
      try {
        await this.deps.pool.release(system, id, '长期未跟进，自动回收公海', { locale: 'zh-CN', client: { via: 'job' } });
        reclaimed++;
      } catch (error) {
        // claimed, followed up or moved meanwhile: the next run decides again
        this.deps.logger.warn({ err: error, customerId: id }, 'reclaim skipped');
      }
    }
    return { rule: kind, alerts, reclaimed };
  }

  /** Recent alerts and where each stands (queued, sent, failed with its reason, acted on). */
  async recentAlerts(scope: RequestScope, rule: string | undefined, limit: number) {
    scope.require('settings.manage');
    const alerts = await this.deps.alerts
      .find(rule ? { rule } : {})
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean();
    const [statuses, names] = await Promise.all([this.deps.cards.statusOf(alerts.map((a) => a.cardId)), this.deps.org.displayNames(alerts.map((a) => a.userId))]);
    return alerts.map((a) => ({
      rule: a.rule,
      period: a.period,
      recipient: { id: a.userId, name: names.get(a.userId) ?? '' },
      createdAt: a.createdAt,
      ...(statuses.get(a.cardId) ?? { status: 'queued' as const }),
    }));
  }

  /** What a rule would do now: the cards and who gets them, the customers it would reclaim. */
  async preview(scope: RequestScope, kind: string) {
    scope.require('settings.manage');
    const rule = await this.get(kind);
    const plan = await this.plan(rule, this.deps.clock.now());
    const names = await this.deps.org.displayNames(plan.alerts.map((a) => a.userId));
    return {
      rule: rule._id,
      cards: plan.alerts.map((a) => ({ recipient: { id: a.userId, name: names.get(a.userId) ?? '' }, data: a.data })),
      reclaim: plan.reclaim,
    };
  }

  private plan(rule: Rule, now: Date): Promise<Plan> {
    switch (rule._id as RuleKind) {
      case 'staleCustomers':
        return this.planStale(rule, now);
      case 'followUpDue':
        return this.planFollowUpDue(now);
      case 'poolReclaim':
        return this.planPoolReclaim(rule, now);
      case 'birthday':
        return this.planBirthday(rule, now);
      case 'dataQuality':
        return this.planDataQuality();
      case 'dailyDigest':
        return this.planDailyDigest(now);
      case 'paymentDue':
        return this.planPaymentDue(rule, now);
      case 'contractEnding':
        return this.planContractEnding(rule, now);
      case 'opportunityIdle':
        return this.planOpportunityIdle(rule, now);
    }
  }

  /** Open opportunities with no follow-up on their customer since created or last moved N days ago. */
  private async planOpportunityIdle(rule: Rule, now: Date): Promise<Plan> {
    const { days } = ruleParams.opportunityIdle.parse(rule.params);
    type Item = Extract<CardData, { kind: 'opportunityIdle' }>['opportunities'][number] & { weight: number };
    const buckets = new Map<string, Bucket<Item>>();
    let batch: { id: string; title: string; customerId: Types.ObjectId; ownerId: string; stageChangedAt: Date }[] = [];
    const flush = async () => {
      const followed = await this.deps.customers.lastFollowUps(batch.map((b) => b.customerId));
      for (const o of batch) {
        const last = followed.get(o.customerId.toHexString());
        if (last?.at && last.at >= o.stageChangedAt) continue;
        const idleDays = Math.floor((now.getTime() - o.stageChangedAt.getTime()) / dayMs);
        const bucket = buckets.get(o.ownerId) ?? new Bucket<Item>();
        bucket.add({ id: o.id, title: o.title, customer: { id: o.customerId.toHexString(), name: last?.name ?? '' }, idleDays, weight: idleDays });
        buckets.set(o.ownerId, bucket);
      }
      batch = [];
    };
    for await (const o of this.deps.opportunities.scanOpenSince(new Date(now.getTime() - days * dayMs))) {
      batch.push({ id: o._id.toHexString(), title: o.title, customerId: o.customerId, ownerId: o.ownerId.toHexString(), stageChangedAt: o.stageChangedAt });
      if (batch.length >= 500) await flush();
    }
    await flush();
    return {
      alerts: [...buckets].map(([userId, bucket]) => ({
        rule: 'opportunityIdle',
        userId,
        data: { kind: 'opportunityIdle', opportunities: bucket.top.map(({ weight: _weight, ...item }) => item), total: bucket.total },
      })),
      reclaim: [],
    };
  }

  /** Instalments due today to the contract's owner; still unpaid N days later, to their manager. */
  private async planPaymentDue(rule: Rule, now: Date): Promise<Plan> {
    const { escalateAfter } = ruleParams.paymentDue.parse(rule.params);
    const today = businessDay(now);
    const escalateDay = businessDay(new Date(now.getTime() - escalateAfter * dayMs));
    type Item = Extract<CardData, { kind: 'paymentDue' }>['items'][number] & { weight: number };
    const buckets = new Map<string, Bucket<Item>>();
    const managers = new Map<string, string | null>();
    const batch: { userId: string; item: Omit<Item, 'customer'> & { customerId: Types.ObjectId } }[] = [];
    for await (const contract of this.deps.contracts.scanInstalmentsDue([today, escalateDay])) {
      for (const instalment of contract.plan) {
        const outstandingFen = instalment.amountFen - instalment.receivedFen;
        if (outstandingFen <= 0 || (instalment.dueOn !== today && instalment.dueOn !== escalateDay)) continue;
        const owner = contract.ownerId.toHexString();
        let userId = owner;
        if (instalment.dueOn === escalateDay) {
          const department = contract.ownerDepartmentId?.toHexString();
          if (!department) continue;
          if (!managers.has(department)) managers.set(department, await this.deps.org.managerOfDepartment(department, owner));
          const manager = managers.get(department);
          if (!manager) continue;
          userId = manager;
        }
        const daysOverdue = instalment.dueOn === today ? 0 : escalateAfter;
        batch.push({ userId, item: { contractId: contract._id.toHexString(), number: contract.number, customerId: contract.customerId, dueOn: instalment.dueOn, outstandingFen, daysOverdue, weight: outstandingFen } });
      }
    }
    const names = await this.deps.customers.namesOf([...new Set(batch.map((b) => b.item.customerId.toHexString()))].map((id) => new Types.ObjectId(id)));
    for (const { userId, item } of batch) {
      const { customerId, ...rest } = item;
      const bucket = buckets.get(userId) ?? new Bucket<Item>();
      bucket.add({ ...rest, customer: { id: customerId.toHexString(), name: names.get(customerId.toHexString()) ?? '' } });
      buckets.set(userId, bucket);
    }
    return {
      alerts: [...buckets].map(([userId, bucket]) => ({
        rule: 'paymentDue',
        userId,
        data: { kind: 'paymentDue', items: bucket.top.map(({ weight: _weight, ...item }) => item), total: bucket.total },
      })),
      reclaim: [],
    };
  }

  /** Contracts ending within N days, to their owners, once per contract. */
  private async planContractEnding(rule: Rule, now: Date): Promise<Plan> {
    const { daysAhead } = ruleParams.contractEnding.parse(rule.params);
    const today = businessDay(now);
    const until = businessDay(new Date(now.getTime() + daysAhead * dayMs));
    type Item = Extract<CardData, { kind: 'contractEnding' }>['contracts'][number] & { weight: number };
    const found = [];
    for await (const contract of this.deps.contracts.scanEnding(today, until)) found.push(contract);
    const names = await this.deps.customers.namesOf(found.map((c) => c.customerId));
    const buckets = new Map<string, Bucket<Item>>();
    for (const contract of found) {
      const owner = contract.ownerId.toHexString();
      const daysLeft = Math.round((Date.parse(contract.endOn!) - Date.parse(today)) / dayMs);
      const bucket = buckets.get(owner) ?? new Bucket<Item>();
      bucket.add({ id: contract._id.toHexString(), number: contract.number, customer: { id: contract.customerId.toHexString(), name: names.get(contract.customerId.toHexString()) ?? '' }, endOn: contract.endOn!, daysLeft, weight: -daysLeft });
      buckets.set(owner, bucket);
    }
    return {
      alerts: [...buckets].map(([userId, bucket]) => ({
        rule: 'contractEnding',
        userId,
        data: { kind: 'contractEnding', contracts: bucket.top.map(({ weight: _weight, ...item }) => item), total: bucket.total },
      })),
      reclaim: [],
      ending: found.map((c) => c._id.toHexString()),
    };
  }

  private idleDays(customer: ScannedCustomer, now: Date): number {
    return Math.floor((now.getTime() - (customer.lastFollowUpAt ?? customer.createdAt).getTime()) / dayMs);
  }

  private async planStale(rule: Rule, now: Date): Promise<Plan> {
    const params = ruleParams.staleCustomers.parse(rule.params);
    const buckets = new Map<string, Bucket<{ id: string; name: string; idleDays: number; weight: number }>>();
    const put = (userId: string, customer: ScannedCustomer, idleDays: number) => {
      const bucket = buckets.get(userId) ?? new Bucket();
      bucket.add({ id: customer._id.toHexString(), name: customer.name, idleDays, weight: idleDays });
      buckets.set(userId, bucket);
    };
    const managers = new Map<string, string | null>();
    const snoozed = new Set((await this.deps.snoozes.find({ until: { $gt: now } }, { _id: 1 }).lean()).map((s) => s._id));
    for (const stage of stages) {
      const threshold = params.days[stage];
      for await (const customer of this.deps.customers.scanOwned({ stage, idleBefore: new Date(now.getTime() - threshold * dayMs), where: params.filter })) {
        const idleDays = this.idleDays(customer, now);
        if (snoozed.has(`${customer.ownerId!.toHexString()}:${customer._id.toHexString()}`)) continue;
        put(customer.ownerId!.toHexString(), customer, idleDays);
        if (idleDays >= threshold + params.escalateAfter && customer.ownerDepartmentId) {
          const department = customer.ownerDepartmentId.toHexString();
          if (!managers.has(department)) managers.set(department, await this.deps.org.managerOfDepartment(department));
          const manager = managers.get(department);
          if (manager && manager !== customer.ownerId!.toHexString()) put(manager, customer, idleDays);
        }
      }
    }
    return {
      alerts: [...buckets].map(([userId, bucket]) => ({
        rule: 'staleCustomers',
        userId,
        data: { kind: 'staleCustomers', customers: bucket.top.map(({ id, name, idleDays }) => ({ id, name, idleDays })), total: bucket.total },
      })),
      reclaim: [],
    };
  }

  private async planFollowUpDue(now: Date): Promise<Plan> {
    const startOfToday = startOfBusinessDay(now);
    const endOfToday = new Date(startOfToday.getTime() + dayMs - 1);
    const buckets = new Map<string, Bucket<{ id: string; name: string; dueAt: string; overdue: boolean; weight: number }>>();
    for await (const customer of this.deps.customers.scanOwned({ dueBefore: endOfToday })) {
      const owner = customer.ownerId!.toHexString();
      const bucket = buckets.get(owner) ?? new Bucket();
      const due = customer.nextFollowUpAt!;
      // overdue first, the oldest first
      bucket.add({ id: customer._id.toHexString(), name: customer.name, dueAt: due.toISOString(), overdue: due < startOfToday, weight: -due.getTime() });
      buckets.set(owner, bucket);
    }
    return {
      alerts: [...buckets].map(([userId, bucket]) => ({
        rule: 'followUpDue',
        userId,
        data: { kind: 'followUpDue', items: bucket.top.map(({ id, name, dueAt, overdue }) => ({ id, name, dueAt, overdue })), total: bucket.total },
      })),
      reclaim: [],
    };
  }

  private async planPoolReclaim(rule: Rule, now: Date): Promise<Plan> {
    const params = ruleParams.poolReclaim.parse(rule.params);
    type Warning = { id: string; name: string; daysLeft: number; weight: number };
    const near: { owner: string; warning: Warning }[] = [];
    const due: Pick<Customer, '_id' | 'ownerId'>[] = [];
    for (const stage of stages) {
      const reclaimAfter = params.days[stage];
      const warnFrom = new Date(now.getTime() - (reclaimAfter - params.warnBefore) * dayMs);
      for await (const customer of this.deps.customers.scanOwned({ stage, idleBefore: warnFrom, unlocked: true, where: params.filter })) {
        const idleDays = this.idleDays(customer, now);
        if (idleDays >= reclaimAfter) {
          due.push(customer);
          continue;
        }
        near.push({ owner: customer.ownerId!.toHexString(), warning: { id: customer._id.toHexString(), name: customer.name, daysLeft: reclaimAfter - idleDays, weight: -(reclaimAfter - idleDays) } });
      }
    }
    // a customer with an open opportunity is being worked on: it is neither warned nor reclaimed
    const working = await this.deps.opportunities.customersWithOpenOpportunity([...due.map((c) => c._id), ...near.map((n) => new Types.ObjectId(n.warning.id))]);
    const warnings = new Map<string, Bucket<Warning>>();
    for (const { owner, warning } of near.filter((n) => !working.has(n.warning.id))) {
      const bucket = warnings.get(owner) ?? new Bucket<Warning>();
      bucket.add(warning);
      warnings.set(owner, bucket);
    }
    const reclaimable = due.filter((c) => !working.has(c._id.toHexString()));
    return {
      alerts: [...warnings].map(([userId, bucket]) => ({
        rule: 'poolReclaimWarning',
        userId,
        data: { kind: 'poolReclaimWarning', customers: bucket.top.map(({ id, name, daysLeft }) => ({ id, name, daysLeft })), total: bucket.total },
      })),
      reclaim: reclaimable.map((c) => c._id.toHexString()),
    };
  }

  /** People with a birthday in N days (a person-customer, or a contact still at their company). */
  private async planBirthday(rule: Rule, now: Date): Promise<Plan> {
    const { daysAhead } = ruleParams.birthday.parse(rule.params);
    const day = businessDay(new Date(now.getTime() + daysAhead * dayMs));
    const keys = birthdayKeysOn(day);
    const date = `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;
    type Person = { customer: { id: string; name: string }; person: string; date: string; greeting: string; weight: number };
    const buckets = new Map<string, Bucket<Person>>();
    const put = (owner: string, person: Person) => {
      const bucket = buckets.get(owner) ?? new Bucket<Person>();
      bucket.add(person);
      buckets.set(owner, bucket);
    };
    const greeting = (name: string) => `${name}，生日快乐！祝您身体健康，万事顺意。`;
    for await (const customer of this.deps.customers.scanBirthdays(keys)) {
      const name = customer.name.replace(/[（(].*$/, '');
      put(customer.ownerId!.toHexString(), { customer: { id: customer._id.toHexString(), name: customer.name }, person: name, date, greeting: greeting(name), weight: 0 });
    }
    let batch: { customerId: Types.ObjectId; person: string }[] = [];
    const flush = async () => {
      const owners = await this.deps.customers.owners([...new Set(batch.map((b) => b.customerId.toHexString()))].map((id) => new Types.ObjectId(id)));
      for (const contact of batch) {
        const owner = owners.get(contact.customerId.toHexString());
        if (owner) put(owner.ownerId, { customer: { id: contact.customerId.toHexString(), name: owner.name }, person: contact.person, date, greeting: greeting(contact.person), weight: 0 });
      }
      batch = [];
    };
    for await (const contact of this.deps.contacts.scanBirthdays(keys)) {
      batch.push({ customerId: contact.customerId, person: contact.name });
      if (batch.length >= 500) await flush();
    }
    await flush();
    return {
      alerts: [...buckets].map(([userId, bucket]) => ({
        rule: 'birthday',
        userId,
        data: { kind: 'birthday', people: bucket.top.map(({ customer, person, date: on, greeting: text }) => ({ customer, person, date: on, greeting: text })), total: bucket.total },
      })),
      reclaim: [],
    };
  }

  /** Each manager's team today: new customers, follow-ups and visits, what is due and overdue. */
  private async planDailyDigest(now: Date): Promise<Plan> {
    const from = startOfBusinessDay(now);
    const to = new Date(from.getTime() + dayMs);
    const alerts: Plan['alerts'] = [];
    const reclaim = ruleParams.poolReclaim.parse((await this.get('poolReclaim')).params);
    for (const team of await this.deps.org.teams()) {
      const [activity, stageMoves, customers, reclaimTomorrow] = await Promise.all([
        this.deps.followUps.activityCounts(team.memberIds, from, to),
        // moves made with a follow-up or by editing the customer: both leave a timeline event
        this.deps.timeline.countByActors('stageChanged', team.memberIds, from, to),
        this.deps.customers.teamDay(team.departmentIds, from, to),
        this.deps.customers.reclaimDueCount(team.departmentIds, reclaim.days, now, new Date(now.getTime() + dayMs)),
      ]);
      const silentIds = team.memberIds.filter((id) => id !== team.managerId && !activity.active.has(id));
      const names = await this.deps.org.displayNames(silentIds);
      alerts.push({
        rule: 'dailyDigest',
        userId: team.managerId,
        data: {
          kind: 'dailyDigest',
          date: businessDay(now),
          followUps: activity.followUps,
          visits: activity.visits,
          stageMoves,
          ...customers,
          silent: silentIds.map((id) => names.get(id) ?? '').filter(Boolean),
          reclaimTomorrow,
        },
      });
    }
    return { alerts, reclaim: [] };
  }

  /**
   * Each owner's data-quality card: customers still missing key fields, and what the weekly
   * cleaning flagged (invalid phones, duplicates left in the review queue). Owners with nothing
   * to fix get no card.
   */
  private async planDataQuality(): Promise<Plan> {
    const counts = new Map<string, { incomplete: number; duplicateCustomers: number; invalidPhones: number }>();
    for await (const customer of this.deps.customers.scanOwned({ incomplete: true })) {
      const owner = customer.ownerId!.toHexString();
      const entry = counts.get(owner) ?? { incomplete: 0, duplicateCustomers: 0, invalidPhones: 0 };
      entry.incomplete++;
      counts.set(owner, entry);
    }
    for (const figures of await this.deps.customers.qualityFigures([{ ownerId: { $ne: null }, pool: null }])) {
      if (!figures.ownerId || (!figures.invalidPhones && !figures.possibleDuplicates)) continue;
      const owner = figures.ownerId.toHexString();
      const entry = counts.get(owner) ?? { incomplete: 0, duplicateCustomers: 0, invalidPhones: 0 };
      entry.invalidPhones += figures.invalidPhones;
      entry.duplicateCustomers += figures.possibleDuplicates;
      counts.set(owner, entry);
    }
    return {
      alerts: [...counts].map(([userId, data]) => ({ rule: 'dataQuality', userId, data: { kind: 'dataQuality', ...data } })),
      reclaim: [],
    };
  }

  /** Card buttons of the alerts: "明天提醒" puts the card's customers off for a day. */
  registerActions(dispatcher: EventDispatcher): void {
    dispatcher.onCardAction('snooze', async (event) => {
      const delivery = await this.deps.cards.received(event.cardId, event.userId);
      if (!delivery || delivery.card.data.kind !== 'staleCustomers') return;
      const until = new Date(this.deps.clock.now().getTime() + dayMs);
      await this.deps.snoozes.bulkWrite(
        delivery.card.data.customers.map((c) => ({
          updateOne: { filter: { _id: `${event.userId}:${c.id}` }, update: { $set: { until } }, upsert: true },
        })),
      );
      const names = await this.deps.org.displayNames([event.userId]);
      await this.deps.cards.resolve(event.cardId, { text: `明天再提醒 · ${names.get(event.userId) ?? ''}` });
    });
  }

  /**
   * Writes the alert's key (rule, person, day), then sends; a key that exists means this alert went
   * already. Also for alerts raised by events rather than a scheduled run (a pool customer back on
   * the site), which show with the others in the alerts list.
   */
  async alert(rule: string, userId: string, now: Date, data: CardData): Promise<boolean> {
    const period = businessDay(now);
    const cardId = `${rule}-${userId}-${period}`;
    try {
      await this.deps.alerts.create({ _id: `${rule}:${userId}:${period}`, rule, userId, period, cardId, createdAt: now });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
    await this.deps.cards.send({ id: cardId, data }, [userId]);
    return true;
  }
}

