// Two server processes on one database (K13), as a company runs them behind a load balancer: two
// apps built on two connections to the same database, each with its own Agenda worker defining and
// scheduling every job (server/src/jobs.ts), both running at once. Whatever both processes are
// eligible to do — a rule's alerts, a card button pressed twice, an import, campaign emails,
// webhook deliveries — happens exactly once. The clock is shared (the processes agree on the time)
// and moved by hand; Agenda polls for real, every 100 ms.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type KemaiApp } from '../../server/src/app.ts';
import { ManualClock } from '../../server/src/core/clock.ts';
import { JobRunner } from '../../server/src/core/jobs/runner.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { campaignSendJob, defineJobs, importWorkJob, scheduleJobs, webhookDeliverJob } from '../../server/src/jobs.ts';
import { ruleJob } from '../../server/src/modules/rules/rules.jobs.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const day = 86_400_000;
// Monday 1 June 2026, 09:00 in Shanghai
const clock = new ManualClock('2026-06-01T01:00:00Z');
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

// ---- the outside world: an SMTP sink and a webhook receiver on loopback -------------------------

const mails: { to: string; sendId: string }[] = [];
let sink: SmtpSink;

const hooks: { headers: IncomingHttpHeaders; body: Json }[] = [];
const receiver: Server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    hooks.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json });
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
  });
});

// ---- the two processes ----------------------------------------------------------------------------

interface Process {
  name: string;
  app: KemaiApp;
  runner: JobRunner;
  /** jobs this process ran, by name */
  ran: Map<string, number>;
  request(path: string, init?: { method?: string; json?: unknown; token?: string; body?: BodyInit }): Promise<Response>;
}

let t: TestApp;
let db2: TestDatabase;
let server2: Server;
let a: Process;
let b: Process;
let both: Process[];
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
let hookId = '';

function processOf(name: string, app: KemaiApp, db: TestDatabase, baseUrl: string): Process {
  // a failed run is retried soon: the test waits seconds, not minutes
  const runner = new JobRunner({ db: db.connection.db!, logger, processEveryMs: 100, name, retry: { delayMs: 500, maxRetries: 3 } });
  defineJobs(runner, app.services);
  const ran = new Map<string, number>();
  runner.agenda.on('complete', (job: { attrs: { name: string } }) => ran.set(job.attrs.name, (ran.get(job.attrs.name) ?? 0) + 1));
  const request: Process['request'] = (path, init = {}) => {
    const headers = new Headers();
    if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(baseUrl + path, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
  };
  return { name, app, runner, ran, request };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Asks both processes to run a job now (two Agenda jobs: either worker may take either). */
async function runOnBoth(name: string): Promise<void> {
  await Promise.all(both.map((p) => p.runner.agenda.now(name, {})));
}

/** Waits until the two processes between them have completed `name` at least `runs` more times than `before`. */
async function completed(name: string, before: number, runs: number): Promise<void> {
  await until(`${runs} runs of ${name}`, () => runsOf(name) >= before + runs);
}
const runsOf = (name: string) => both.reduce((n, p) => n + (p.ran.get(name) ?? 0), 0);

/** Groups by key and returns the keys seen more than once. */
const repeated = (keys: string[]) => [...new Map(keys.map((k) => [k, keys.filter((x) => x === k).length])).entries()].filter(([, n]) => n > 1);

beforeAll(async () => {
  sink = await startSmtpSink({
    onMail: (mail, accept) => {
      mails.push({ to: mail.to, sendId: /X-Kemai-Send: ([0-9a-f]{24})/i.exec(mail.raw)?.[1] ?? '' });
      accept();
    },
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const smtpPort = sink.port;
  t = await startTestApp({
    clock,
    env: {
      SESSION_TTL_HOURS: '100000',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1',
      WEBHOOK_TIMEOUT_MS: '3000',
      PUBLIC_URL: 'http://kemai.test',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtpPort),
      SMTP_SECURE: 'false',
      SMTP_FROM: '客脉营销 <marketing@kemai.test>',
      MAIL_RATE_PER_MINUTE: '1000',
    },
  });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);

  // the webhook subscription exists before the second process publishes anything, so its
  // subscription cache (5 s, by design) never hides it
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const subscribed = await t.request('/api/webhooks', { method: 'POST', token: tokens.admin, json: { url: hookUrl, events: ['customer.created', 'customer.updated', 'contract.approved'] } });
  expect(subscribed.status).toBe(201);
  hookId = ((await subscribed.json()) as Json).id;

  // the second process: its own connection to the same database, its own HTTP listener
  db2 = await openTestDatabase(t.db.dbName);
  const app2 = buildApp({ config: t.config, logger, connection: db2.connection, sessionSecret: 'test-secret-of-at-least-thirty-two-characters', h5DistDir: '/nonexistent', clock });
  server2 = createServer(app2.koa.callback());
  await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', resolve));

  a = processOf('kemai-a', t.app, t.db, t.baseUrl);
  b = processOf('kemai-b', app2, db2, `http://127.0.0.1:${(server2.address() as AddressInfo).port}`);
  both = [a, b];
  // both start as main.ts starts a process: define, start, schedule — at the same moment
  await Promise.all(both.map((p) => p.runner.start()));
  await Promise.all(both.map((p) => scheduleJobs(p.runner, p.app.services)));
});

afterAll(async () => {
  await Promise.all((both ?? []).map((p) => p.runner.stop()));
  if (server2) {
    server2.closeAllConnections();
    await new Promise<void>((resolve) => server2.close(() => resolve()));
  }
  if (db2) {
    const unportable = db2.unportable;
    const unindexed = db2.unindexed();
    await db2.connection.close();
    expect(unportable, 'commands of the second process the embedded engine does not run').toEqual([]);
    expect(unindexed, 'query shapes of the second process no declared index serves').toEqual([]);
  }
  if (t) await t.close();
  void sink?.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const createCustomer = async (p: Process, login: DemoLogin, name: string, extra: Json = {}) => {
  const response = await p.request('/api/customers', { method: 'POST', token: tokens[login], json: { type: 'company', name, industry: '物流', source: '官网', ...extra } });
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body;
};

// ---- the tests ------------------------------------------------------------------------------------

describe('two processes on one database', () => {
  it('keep one copy of each recurring job, however many processes schedule it', async () => {
    const { jobs } = await a.runner.agenda.queryJobs({});
    const recurring = jobs.filter((j) => j.repeatInterval);
    expect(recurring.length).toBeGreaterThan(10);
    expect(repeated(recurring.map((j) => j.name)), 'recurring jobs scheduled twice').toEqual([]);
  });

  it('send each stale-lead and follow-up alert once when both run the rules', async () => {
    const stale = [
      await createCustomer(a, 'rep.east1', '双进程提醒甲有限公司'),
      await createCustomer(b, 'rep.east1', '双进程提醒乙有限公司'),
      await createCustomer(a, 'rep.south2', '双进程提醒丙有限公司'),
    ];
    const due = await createCustomer(b, 'rep.east3', '双进程回访到期有限公司');
    const followUp = await b.request(`/api/customers/${due.id}/follow-ups`, {
      method: 'POST',
      token: tokens['rep.east3'],
      json: { method: 'call', content: '约好五天后再聊', nextFollowUpAt: new Date(clock.now().getTime() + 5 * day - 3_600_000).toISOString() },
    });
    expect(followUp.status).toBe(201);
    clock.advance(5 * day); // Saturday 09:00 in Shanghai: idle five days, so the managers are copied too
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(clock.now());

    // each process is told to run both rules, twice over: four runs of each, in two workers
    const kinds = ['staleCustomers', 'followUpDue'] as const;
    const before = kinds.map((k) => runsOf(ruleJob(k)));
    for (let round = 0; round < 2; round++) for (const kind of kinds) await runOnBoth(ruleJob(kind));
    for (const [i, kind] of kinds.entries()) await completed(ruleJob(kind), before[i]!, 4);
    await until('no card left in the queue', async () => (await t.inspect.pendingCards.countDocuments()) === 0);

    const alerts = await t.inspect.alerts.find({ period: today, rule: { $in: [...kinds] } }).lean();
    const recipients = (rule: string) => alerts.filter((x) => x.rule === rule).map((x) => String(x.userId)).sort();
    expect(recipients('staleCustomers')).toEqual(expect.arrayContaining([ids['rep.east1'], ids['rep.south2'], ids['manager.east'], ids['manager.south']].sort()));
    expect(recipients('followUpDue')).toEqual([ids['rep.east3']]);

    // every alert reached its one recipient once: one delivery, one card in the outbox
    const cardIds = alerts.map((x) => x.cardId);
    const deliveries = await t.inspect.deliveries.find({ cardId: { $in: cardIds } }).lean();
    const outbox = await t.inspect.outbox.find({ 'card.id': { $in: cardIds } }).lean();
    expect(deliveries.map((d) => d.cardId).sort()).toEqual([...cardIds].sort());
    expect(outbox.map((e) => e.card.id).sort()).toEqual([...cardIds].sort());
    expect(repeated(outbox.map((e) => `${e.userId}:${e.card.id}`))).toEqual([]);

    const east = outbox.find((e) => String(e.userId) === ids['rep.east1'] && e.card.data.kind === 'staleCustomers')!;
    expect((east.card.data as Json).customers.map((c: Json) => c.id)).toEqual(expect.arrayContaining([stale[0]!.id, stale[1]!.id]));
    const reminder = outbox.find((e) => String(e.userId) === ids['rep.east3'] && e.card.data.kind === 'followUpDue')!;
    expect((reminder.card.data as Json).items.map((x: Json) => x.id)).toContain(due.id);

    // Agenda may hand all four runs to one worker; the next day the two processes surely race
    clock.advance(day);
    const nextDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(clock.now());
    const raced = await Promise.all([...both, ...both].map((p) => p.app.services.rules.run('staleCustomers')));
    const next = await t.inspect.alerts.find({ period: nextDay, rule: 'staleCustomers' }).lean();
    expect(raced.reduce((n, r) => n + r.alerts, 0)).toBe(next.length);
    expect(next.length).toBeGreaterThanOrEqual(4);
    await until('no card left in the queue', async () => (await t.inspect.pendingCards.countDocuments()) === 0);
    const nextCards = await t.inspect.outbox.find({ 'card.id': { $in: next.map((x) => x.cardId) } }).lean();
    expect(nextCards.map((e) => e.card.id).sort()).toEqual(next.map((x) => x.cardId).sort());
  });

  it('decide an approval once when the same card press reaches both processes', async () => {
    const customer = await createCustomer(a, 'rep.east1', '双进程审批客户有限公司');
    const approveOnBoth = async (amount: string, press: (entry: Json, cardId: string) => Promise<unknown>[]) => {
      const created = await a.request('/api/contracts', {
        method: 'POST',
        token: tokens['rep.east1'],
        json: { customerId: customer.id, title: `双进程审批 ${amount}`, amount, signedOn: '2026-06-01', startOn: '2026-06-01', endOn: '2027-05-31', plan: [{ dueOn: '2026-12-31', amount }] },
      });
      expect(created.status).toBe(201);
      const contract = (await created.json()) as Json;
      const submitted = await b.request(`/api/contracts/${contract.id}/submit`, { method: 'POST', token: tokens['rep.east1'] });
      expect(submitted.status).toBe(201);
      const approval = (await submitted.json()) as Json;
      const pending = (await t.inspect.contracts.findById(contract.id).lean())!;
      expect(pending.status).toBe('pending');
      const cardId = `apv-${approval.id}-0`;
      const entry = (await t.inspect.outbox.findOne({ 'card.id': cardId, userId: ids['manager.east'] }).lean())!;
      expect(entry, 'the manager’s approval card').toBeTruthy();
      const results = await Promise.all(press(entry as Json, cardId));
      return { contract, approval, pending, results };
    };

    // a platform retry: the same event, with its key, dispatched in both processes at once
    const viaDispatcher = await approveOnBoth('50000', (entry, cardId) => {
      const event = { type: 'card.action' as const, key: `dev:${String(entry._id)}:approve`, platform: 'dev' as const, userId: ids['manager.east'], cardId, action: 'approve', params: {} };
      return both.map((p) => p.app.services.dispatcher.dispatch(event));
    });
    expect([...viaDispatcher.results].sort()).toEqual(['duplicate', 'handled']);

    // the button in the H5 Messages tab pressed on two devices, each request reaching a different process
    const viaButton = await approveOnBoth('60000', (entry) =>
      both.map(async (p) => {
        const response = await p.request(`/api/dev/outbox/${String(entry._id)}/action`, { method: 'POST', token: tokens['manager.east'], json: { action: 'approve' } });
        expect(response.status).toBe(200);
        return ((await response.json()) as Json).result as string;
      }),
    );
    expect([...viaButton.results].sort()).toEqual(['duplicate', 'handled']);

    for (const { contract, approval, pending } of [viaDispatcher, viaButton]) {
      const stored = (await t.inspect.approvals.findById(approval.id).lean())!;
      expect(stored.status).toBe('approved');
      expect(stored.steps[0]!.decisions.map((d) => [String(d.userId), d.decision])).toEqual([[ids['manager.east'], 'approve']]);
      // the contract moved once: pending → approved, one version on
      const after = (await t.inspect.contracts.findById(contract.id).lean())!;
      expect([after.status, after.version]).toEqual(['approved', pending.version + 1]);
      // one trail entry, one result card to the submitter, one webhook event
      expect(await t.inspect.timeline.countDocuments({ customerId: customer.id, type: 'contractApproved', 'data.approvalId': approval.id })).toBe(1);
      expect(await t.inspect.deliveries.countDocuments({ cardId: `apr-${approval.id}` })).toBe(1);
      expect(await t.inspect.webhookDeliveries.countDocuments({ subscriptionId: hookId, type: 'contract.approved', entityId: contract.id })).toBe(1);
      const trail = (await t.inspect.audit.find({ entity: 'contract', entityId: contract.id }).lean()).map((e) => e.action);
      expect(repeated(trail), 'audit entries written twice').toEqual([]);
      expect(trail).toContain('contract.submit');
    }
    expect(await t.inspect.processedEvents.countDocuments({ _id: { $regex: '^dev:' } })).toBeGreaterThanOrEqual(2);
  });

  it('import every row exactly once while both processes work the imports', async () => {
    const unique = 400;
    const lines = ['客户名称,联系电话,所属行业,客户来源'];
    for (let i = 0; i < unique; i++) lines.push(`双进程导入${i}号物流有限公司,139${String(10_000_000 + i)},物流,官网`);
    for (let i = 0; i < 5; i++) lines.push(lines[1 + i * 50]!); // five rows repeated later in the file
    const total = unique + 5;
    const importer = tokens['manager.east'];
    const customers = () => t.inspect.customers.countDocuments({ deletedAt: null });
    const status = async (p: Process, id: string) => (await (await p.request(`/api/imports/${id}`, { token: importer })).json()) as Json;
    const runsBefore = runsOf(importWorkJob);

    // uploaded to one process, committed through the other, worked by whichever takes the lease
    const form = new FormData();
    form.append('file', new Blob([lines.join('\n')]), '两个进程.csv');
    const uploaded = await a.request('/api/imports', { method: 'POST', token: importer, body: form });
    expect(uploaded.status).toBe(202);
    const id = ((await uploaded.json()) as Json).id as string;
    await runOnBoth(importWorkJob);
    await until('the dry run', async () => (await status(b, id)).status === 'ready', 60_000);
    const ready = await status(b, id);
    expect(ready.counts).toMatchObject({ rows: total, invalid: 0 });

    const before = await customers();
    const commits = await Promise.all(both.map((p) => p.request(`/api/imports/${id}/commit`, { method: 'POST', token: importer })));
    expect(commits.map((r) => r.status)).toContain(200);
    await Promise.all([runOnBoth(importWorkJob), ...both.map((p) => p.app.services.imports.work())]);
    await runOnBoth(importWorkJob);
    await until('the commit', async () => ['done', 'failed'].includes((await status(a, id)).status), 60_000);
    await completed(importWorkJob, runsBefore, 6);

    const done = await status(a, id);
    expect(done.status).toBe('done');
    const { rows, created, merged, skipped, invalid } = done.counts;
    expect(rows).toBe(total);
    expect(created + merged + skipped + invalid).toBe(total);
    // the five repeated rows join the customer of their first occurrence
    expect([created, merged, skipped, invalid]).toEqual([unique, 5, 0, 0]);
    expect(await customers()).toBe(before + created);
    // each name once, each made by its own row of this import
    const made = await t.inspect.customers.find({ name: { $regex: '^双进程导入' } }, { name: 1, importKey: 1 }).lean();
    expect(made).toHaveLength(unique);
    expect(new Set(made.map((c) => c.name)).size).toBe(unique);
    expect(made.every((c) => c.importKey?.startsWith(`${id}:`))).toBe(true);
    expect(await t.inspect.importRows.countDocuments({ importId: id, status: 'pending' })).toBe(0);
  });

  it('send each campaign email once while both processes run the send job', async () => {
    const campaign = await a.request('/api/campaigns', { method: 'POST', token: tokens['manager.east'], json: { name: '双进程邮件活动', type: '展会', startOn: '2026-06-01', endOn: '2026-06-30' } });
    expect(campaign.status).toBe(201);
    const campaignId = ((await campaign.json()) as Json).id as string;
    const invitees: string[] = [];
    for (let i = 0; i < 12; i++) invitees.push((await createCustomer(i % 2 ? a : b, 'rep.east2', `双进程邮件${i}号有限公司`, { email: `buyer${i}@two-servers.cn` })).id);
    const invited = await b.request(`/api/campaigns/${campaignId}/participants`, { method: 'POST', token: tokens['manager.east'], json: { customerIds: invitees } });
    expect(((await invited.json()) as Json).invited).toBe(12);

    const runsBefore = runsOf(campaignSendJob);
    const sent = await a.request(`/api/campaigns/${campaignId}/messages`, { method: 'POST', token: tokens['manager.east'], json: { subject: '双进程邀请', body: '欢迎光临：https://expo.example.cn/two' } });
    const message = (await sent.json()) as Json;
    expect(message).toMatchObject({ queued: 12, skipped: 0 });
    // alongside the send the request started in process a: the job in both, and a direct race
    await Promise.all([runOnBoth(campaignSendJob), ...both.map((p) => p.app.services.campaigns.sendQueued())]);
    await runOnBoth(campaignSendJob);
    await completed(campaignSendJob, runsBefore, 4);
    await until('every email sent', async () => (await t.inspect.campaignSends.countDocuments({ messageId: message.messageId, status: { $ne: 'sent' } })) === 0);
    await new Promise((r) => setTimeout(r, 300)); // a straggler would arrive by now

    const sends = await t.inspect.campaignSends.find({ messageId: message.messageId }).lean();
    const mine = mails.filter((m) => sends.some((s) => String(s._id) === m.sendId));
    expect(mine.map((m) => m.to).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `buyer${i}@two-servers.cn`).sort());
    expect(repeated(mine.map((m) => m.sendId))).toEqual([]);
  });

  it('deliver each webhook event once, in order per record, while both processes run the delivery job', async () => {
    // more events from both processes: creates, and updates that must follow their creates
    for (let i = 0; i < 6; i++) {
      const p = i % 2 ? a : b;
      const customer = await createCustomer(p, 'rep.east1', `双进程钩子${i}号有限公司`);
      const patched = await (i % 2 ? b : a).request(`/api/customers/${customer.id}`, { method: 'PATCH', token: tokens['rep.east1'], json: { level: 'A', version: customer.version } });
      expect(patched.status).toBe(200);
    }
    const runsBefore = runsOf(webhookDeliverJob);
    await Promise.all([runOnBoth(webhookDeliverJob), ...both.map((p) => p.app.services.webhooks.deliverDue())]);
    for (let round = 0; round < 2; round++) await runOnBoth(webhookDeliverJob);
    await completed(webhookDeliverJob, runsBefore, 6);
    await until('every delivery made', async () => {
      if ((await t.inspect.webhookDeliveries.countDocuments({ subscriptionId: hookId, status: { $ne: 'delivered' } })) === 0) return true;
      await runOnBoth(webhookDeliverJob);
      await new Promise((r) => setTimeout(r, 200));
      return false;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 300));

    const logged = await t.inspect.webhookDeliveries.find({ subscriptionId: hookId }).lean();
    expect(logged.length).toBeGreaterThan(20);
    expect(logged.every((d) => d.attempts === 1)).toBe(true);
    const received = hooks.map((h) => String(h.headers['x-kemai-delivery']));
    expect(repeated(received), 'deliveries received twice').toEqual([]);
    expect([...received].sort()).toEqual(logged.map((d) => String(d._id)).sort());
    // one record's events arrive in the order they happened
    const byRecord = new Map<string, string[]>();
    for (const h of hooks) byRecord.set(h.body.data.id, [...(byRecord.get(h.body.data.id) ?? []), h.body.occurredAt]);
    for (const [record, times] of byRecord) expect(times, record).toEqual([...times].sort());
    for (let i = 0; i < 6; i++) {
      const types = hooks.filter((h) => h.body.data.name === `双进程钩子${i}号有限公司`).map((h) => h.body.type);
      expect(types, `双进程钩子${i}号`).toEqual(['customer.created', 'customer.updated']);
    }
  });

  // The per-minute send limits (WeCom's 30 cards a member, the campaign mail rate) are counted
  // from the last minute's sends, so two processes counting at once each spent the whole budget;
  // one process now delivers at a time (card-delivery.test.ts and campaigns.test.ts race two).

  it('shared the work: each process ran jobs', () => {
    for (const p of both) expect([...p.ran.values()].reduce((n, x) => n + x, 0), p.name).toBeGreaterThan(0);
    console.info(`jobs run — ${both.map((p) => `${p.name}: ${[...p.ran.entries()].map(([n, x]) => `${n}×${x}`).join(', ')}`).join(' | ')}`);
  });
});
