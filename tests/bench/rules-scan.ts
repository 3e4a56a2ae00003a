// One run of the stale-customer rule over 100k customers and 50 reps (scan, batching, cards to the
// dev outbox), beside the raw indexed query it relies on, with the heap watched during the run.
import { MongoClient } from 'mongodb';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startEmbeddedDatabase } from '../../server/src/core/db/embedded.ts';
import { startBenchApp } from './bench-app.ts';
import type { ResultRow } from './report.ts';

export async function runRulesScanBench(size = 100_000): Promise<ResultRow[]> {
  const clock = new ManualClock('2026-11-24T01:00:00Z'); // a Tuesday, 09:00 in Shanghai: not quiet
  const database = process.env.BENCH_MONGODB_URI ? null : await startEmbeddedDatabase({ engine: 'java', dataFile: null, heap: '4g' });
  const uri = process.env.BENCH_MONGODB_URI ?? database!.uri;
  const bench = await startBenchApp(uri, { customers: size, label: 'rules-scan', clock, extraReps: 44 });
  const raw = new MongoClient(uri);
  try {
    const reps = await bench.app.models.users.countDocuments({ role: 'rep' });
    const cutoff = new Date(clock.now().getTime() - 3 * 86_400_000);
    const started = performance.now();
    const rawCount = (
      await raw
        .db(bench.dbName)
        .collection('customers')
        .find(
          { deletedAt: null, pool: null, ownerId: { $ne: null }, stage: 'lead', $or: [{ lastFollowUpAt: { $lte: cutoff } }, { lastFollowUpAt: null, createdAt: { $lte: cutoff } }] },
          { projection: { name: 1, stage: 1, ownerId: 1, ownerDepartmentId: 1, lastFollowUpAt: 1, createdAt: 1 } },
        )
        .toArray()
    ).length;
    const rawMs = performance.now() - started;

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
    const runStart = performance.now();
    const result = await bench.app.services.rules.run('staleCustomers');
    const runMs = performance.now() - runStart;
    clearInterval(sampler);
    const cards = await bench.app.models.outbox.countDocuments();
    process.stdout.write(
      `  ${size} customers, ${reps} reps: stale rule run ${(runMs / 1000).toFixed(2)} s, ${result.alerts} alerts, ${cards} cards (budget 3 s)\n` +
        `  raw indexed query for one stage (leads): ${rawMs.toFixed(0)} ms for ${rawCount} customers; the run scans three stages\n` +
        `  heap during the run: +${((heapPeak - heapBefore) / 1024 / 1024).toFixed(1)} MB at the peak\n`,
    );
    const label = `rules-scan · stale rule, ${size} customers, ${reps} reps`;
    return [
      // the reference is the raw indexed query for one of the three stages the run scans
      { measure: `${label}: run (reference: raw query, leads only)`, value: runMs / 1000, unit: 's', reference: rawMs / 1000, ratio: rawMs > 0 ? runMs / rawMs : null, goal: '≤ 3 s', pass: runMs <= 3000 },
      { measure: `${label}: heap growth at the peak`, value: (heapPeak - heapBefore) / 1024 / 1024, unit: 'MB', goal: null, pass: null },
    ];
  } finally {
    await raw.close();
    await bench.close();
    await database?.stop();
  }
}
