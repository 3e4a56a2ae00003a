// The import benchmark's measured side, in a process of its own as a server would be: the app on
// the seeded database, one import of a generated file, its phases timed and its peak RSS sampled.
// Prints one JSON line for the parent (tests/bench/import.ts).
import { loadConfig } from '../../config/index.ts';
import { buildApp } from '../../server/src/app.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { readFileSync } from 'node:fs';

const [uri, dbName, rowsText, filePath] = process.argv.slice(2);
const rows = Number(rowsText);
const connection = await connectDatabase({ uri: uri!, dbName: dbName! });
const app = buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), logger: createLogger({ level: 'silent' }), connection, sessionSecret: 'b'.repeat(32), h5DistDir: '/nonexistent' });
const admin = await app.models.users.findOne({ login: 'admin' }).lean();
const scope = (await app.services.auth.scopeFor(String(admin!._id)))!;
const file = readFileSync(filePath!);

const imports = app.services.imports;
async function until(id: string, status: string) {
  for (;;) {
    await imports.work();
    const job = await imports.get(scope, id);
    if (job.status === status || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 20));
  }
}
global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
const started = performance.now();
const job = await imports.create(scope, file, `bench-${rows}.xlsx`);
const ready = await until(job.id, 'ready');
const analysed = performance.now();
await imports.commit(scope, job.id);
const done = await until(job.id, 'done');
const committed = performance.now();
clearInterval(sampler);

// the same new customers, as normalised rows, with one raw insertMany each 1,000
const created = await app.models.importRows.find({ importId: job.id, status: 'created' }, { customer: 1 }).lean();
const target = connection.db!.collection(`raw_insert_${rows}`);
const rawStarted = performance.now();
for (let i = 0; i < created.length; i += 1000) await target.insertMany(created.slice(i, i + 1000).map((d) => ({ ...d.customer })));
const rawMs = performance.now() - rawStarted;

process.stdout.write(
  JSON.stringify({ rows, dryRunMs: analysed - started, commitMs: committed - analysed, rawMs, peakRss: peak, baselineRss: baseline, counts: done.counts, fileGroups: ready.counts.fileGroups, existingMatches: ready.counts.existingMatches, status: done.status }) + '\n',
);
await connection.close();
process.exit(0);
