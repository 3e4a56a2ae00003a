// `npm run bench`: every benchmark, printing ratios measured in one run (not timed tests).
// BENCH_SIZES=10000,100000 BENCH_FILE_SIZE=10000 BENCH_ITERATIONS=30 set what runs.
import { runCustomersListBench } from './customers-list.ts';
import { runH5Bench } from './h5.ts';
import { runImportBench } from './import.ts';
import { runReportsBench } from './reports.ts';
import { runRulesScanBench } from './rules-scan.ts';

const only = process.argv[2]; // `npm run bench -- h5` runs one benchmark
if (!only || only === 'h5') {
  process.stdout.write('h5: first-screen size and LCP\n');
  await runH5Bench();
  if (only) process.exit(0);
}
if (!only || only === 'rules') {
  process.stdout.write('rules-scan: the stale-customer rule over 100k customers\n');
  await runRulesScanBench(Number(process.env.BENCH_RULES_SIZE ?? 100_000));
  if (only) process.exit(0);
}

if (!only || only === 'import') {
  process.stdout.write('import: a generated .xlsx deduplicated against 100k stored customers\n');
  await runImportBench();
  if (only) process.exit(0);
}

if (!only || only === 'reports') {
  process.stdout.write('reports: rankings, trends and the funnel at 100k customers, 300k follow-ups\n');
  await runReportsBench();
  if (only) process.exit(0);
}

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number).filter((n) => n > 0);
const fileSize = Number(process.env.BENCH_FILE_SIZE ?? 10_000);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);

process.stdout.write(`customers-list: GET /api/customers vs the raw driver, ${iterations} runs each\n`);
const rows = await runCustomersListBench({ sizes, fileSize, iterations });
process.stdout.write('\nengine    size     query                                  api p50/p95 ms    raw p50/p95 ms    ratio\n');
for (const r of rows) {
  process.stdout.write(
    `${r.engine.padEnd(9)} ${String(r.size).padEnd(8)} ${r.query.padEnd(38)} ${`${r.apiP50.toFixed(1)}/${r.apiP95.toFixed(1)}`.padEnd(17)} ${`${r.rawP50.toFixed(1)}/${r.rawP95.toFixed(1)}`.padEnd(17)} ${r.ratio.toFixed(2)}\n`,
  );
}
