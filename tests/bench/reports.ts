// Reports at size: 100k customers, 300k follow-ups, 20k opportunities, 10k contracts (with
// payments). Each report is timed for a manager and a director (median of a few runs) beside the
// raw aggregation it runs, and beside the same figure counted from the raw records instead of
// the daily rollups, which is what the rollups save.
import { MongoClient, ObjectId } from 'mongodb';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startEmbeddedDatabase } from '../../server/src/core/db/embedded.ts';
import { startBenchApp } from './bench-app.ts';
import type { ResultRow } from './report.ts';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function time(run: () => Promise<unknown>, runs = 5): Promise<number> {
  await run(); // warm
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** The benchmark's sizes for N customers (100k by default, BENCH_REPORTS_CUSTOMERS for a quick run). */
export function reportSizes(customers = Number(process.env.BENCH_REPORTS_CUSTOMERS ?? 100_000)) {
  return { customers, followUps: customers * 3, opportunities: Math.round(customers / 5), contracts: Math.round(customers / 10) };
}

export async function runReportsBench(sizes = reportSizes()): Promise<ResultRow[]> {
  const results: ResultRow[] = [];
  const clock = new ManualClock('2026-11-24T02:00:00Z');
  const database = process.env.BENCH_MONGODB_URI ? null : await startEmbeddedDatabase({ engine: 'java', dataFile: null, heap: '4g' });
  const uri = process.env.BENCH_MONGODB_URI ?? database!.uri;
  const bench = await startBenchApp(uri, { customers: sizes.customers, label: 'reports', clock, extraReps: 44 });
  const raw = new MongoClient(uri);
  try {
    const db = raw.db(bench.dbName);
    const customers = await db.collection('customers').find({}, { projection: { ownerId: 1, createdAt: 1 } }).toArray();
    const owned = customers.filter((c) => c.ownerId);
    const year = Date.parse('2026-01-01T00:00:00+08:00');
    const span = clock.now().getTime() - year;
    const at = (i: number) => new Date(year + ((i * 7_919) % span));
    const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    let started = performance.now();
    for (let i = 0; i < sizes.followUps; i += 10_000) {
      await db.collection('followUps').insertMany(
        Array.from({ length: Math.min(10_000, sizes.followUps - i) }, (_, k) => {
          const c = owned[(i + k) % owned.length]!;
          return { customerId: c._id, method: (i + k) % 3 === 0 ? 'visit' : 'call', content: '跟进', at: at(i + k), createdBy: c.ownerId, createdAt: at(i + k), photoIds: [], stageChange: null, nextFollowUpAt: null, location: null, contactId: null };
        }),
      );
    }
    const stages = ['initial', 'needs', 'proposal', 'negotiation', 'won', 'lost'];
    await db.collection('opportunities').insertMany(
      Array.from({ length: sizes.opportunities }, (_, i) => {
        const c = owned[(i * 5) % owned.length]!;
        const stage = stages[i % stages.length]!;
        const created = at(i * 13);
        return {
          customerId: c._id, title: `商机${i}`, amountFen: 1_000_000 + (i % 50) * 100_000, expectedCloseOn: null, stageSetId: 'new', stage, probability: [10, 30, 50, 70, 100, 0][i % 6],
          status: stage === 'won' ? 'won' : stage === 'lost' ? 'lost' : 'open', lostReason: stage === 'lost' ? '价格因素' : null, ownerId: c.ownerId, ownerDepartmentId: null, products: [], nextStep: null,
          stageChangedAt: created, history: [{ from: null, to: 'initial', at: created, by: c.ownerId, spentMs: 0 }], contractId: null, version: 1, createdBy: c.ownerId, createdAt: created, updatedAt: created, closedAt: stage === 'won' || stage === 'lost' ? created : null,
        };
      }),
    );
    const contracts = Array.from({ length: sizes.contracts }, (_, i) => {
      const c = owned[(i * 11) % owned.length]!;
      return { _id: new ObjectId(), number: `HTBENCH${i}`, customerId: c._id, ownerId: c.ownerId, ownerDepartmentId: null, title: '合同', amountFen: 5_000_000, signedOn: day(at(i * 17)), status: 'active', plan: [], items: [], receivedFen: 0, approverIds: [], attachmentIds: [], version: 1, createdBy: c.ownerId, createdAt: at(i * 17), updatedAt: at(i * 17) };
    });
    await db.collection('contracts').insertMany(contracts);
    await db.collection('payments').insertMany(contracts.map((k, i) => ({ contractId: k._id, customerId: k.customerId, instalmentId: new ObjectId(), ownerId: k.ownerId, amountFen: 2_000_000, receivedOn: day(at(i * 19)), method: '银行转账', recordedBy: k.ownerId, applied: true, createdAt: at(i * 19) })));
    process.stdout.write(`  seeded ${sizes.followUps} follow-ups, ${sizes.opportunities} opportunities, ${sizes.contracts} contracts in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    started = performance.now();
    const rebuilt = await bench.app.services.stats.rebuild();
    process.stdout.write(`  rollups rebuilt from the raw records in ${((performance.now() - started) / 1000).toFixed(1)} s: ${rebuilt.rows} rows\n`);

    const auth = bench.app.services.auth;
    const user = async (login: string) => (await auth.scopeFor((await bench.app.models.users.findOne({ login }).lean())!._id.toHexString()))!;
    const scopes = { manager: await user('manager.east'), director: await user('director') };
    const reports = bench.app.services.reports;
    const stats = db.collection('dailyStats');
    process.stdout.write('\n  report        who        report ms   its raw pipeline ms   ratio   from raw records ms\n');
    const row = (name: string, who: string, reportMs: number, rawMs: number, sourceMs: number) => {
      process.stdout.write(`  ${name.padEnd(13)} ${who.padEnd(10)} ${reportMs.toFixed(1).padStart(9)}   ${rawMs.toFixed(1).padStart(19)}   ${(reportMs / rawMs).toFixed(2).padStart(5)}   ${sourceMs.toFixed(1).padStart(19)}\n`);
      // no goal is set for this benchmark; the reference is the raw pipeline the report runs
      results.push({ measure: `reports · ${sizes.customers} customers · ${name}, ${who}`, value: reportMs, unit: 'ms', reference: rawMs, ratio: rawMs > 0 ? reportMs / rawMs : null, goal: null, pass: null });
    };
    for (const [who, scope] of Object.entries(scopes)) {
      const reach = who === 'director' ? {} : { departmentPath: { $in: scope.departmentSubtree.map((id) => new ObjectId(id)) } };
      // rankings over the year
      const rank = await time(() => reports.rankings(scope, { period: '2026', measure: 'signedFen', by: 'user' }));
      const rankRaw = await time(() => stats.aggregate([{ $match: { $and: [reach, { measure: 'signedFen', day: { $gte: '2026-01-01', $lte: '2026-12-31' } }] } }, { $group: { _id: '$userId', value: { $sum: '$value' }, path: { $first: '$departmentPath' } } }]).toArray());
      const rankSource = await time(() => db.collection('contracts').aggregate([{ $match: { signedOn: { $gte: '2026-01-01', $lte: '2026-12-31' } } }, { $group: { _id: '$ownerId', value: { $sum: '$amountFen' } } }]).toArray());
      row('rankings', who, rank, rankRaw, rankSource);
      // follow-up trend by month
      const trend = await time(() => reports.trend(scope, { measure: 'followUps', from: '2026-01-01', to: '2026-12-31', granularity: 'month' }));
      const trendRaw = await time(() => stats.aggregate([{ $match: { $and: [reach, { measure: 'followUps', day: { $gte: '2026-01-01', $lte: '2026-12-31' } }] } }, { $group: { _id: '$day', value: { $sum: '$value' } } }]).toArray());
      const trendSource = await time(() => db.collection('followUps').aggregate([{ $group: { _id: { $dateToString: { format: '%Y-%m', date: '$at', timezone: 'Asia/Shanghai' } }, value: { $sum: 1 } } }]).toArray());
      row('trends', who, trend, trendRaw, trendSource);
      // the funnel over the year
      const funnel = await time(() => reports.funnel(scope, { stageSetId: 'new', from: '2026-01-01', to: '2026-12-31' }), 3);
      const funnelRaw = await time(() => db.collection('opportunities').find({ $and: [scope.filter('opportunity'), { stageSetId: 'new' }] }, { projection: { stage: 1, status: 1, amountFen: 1, history: 1, lostReason: 1 } }).toArray(), 3);
      row('funnel', who, funnel, funnelRaw, funnelRaw);
    }
  } finally {
    await raw.close();
    await bench.close();
    await database?.stop();
  }
  return results;
}
