// `npm run bench`: every benchmark, printing ratios measured in one run (not timed tests), then one
// table of every figure in tests/bench/REPORT.md. `npm run bench -- <name> [<name>…]` runs those
// (h5, rules, import, reports, customers, load) and prints their tables without touching REPORT.md;
// `--report <file>` writes the table there as well. Exits non-zero when a goal is missed or a
// benchmark fails (the load test fails on any error or non-2xx answer).
// Sizes: BENCH_SIZES=10000,100000 BENCH_FILE_SIZE=10000 BENCH_ITERATIONS=30 (customers),
// BENCH_RULES_SIZE, BENCH_IMPORT_ROWS, BENCH_IMPORT_STORED, BENCH_REPORTS_CUSTOMERS, BENCH_H5_RUNS,
// and for the load test `--seconds 60 --customers 100000 --warmup 5 --timeout 10` (or BENCH_LOAD_SECONDS, …).
import { fileURLToPath } from 'node:url';
import { customersListRows, runCustomersListBench } from './customers-list.ts';
import { h5Rows, runH5Bench } from './h5.ts';
import { runImportBench } from './import.ts';
import { runLoadBench } from './load.ts';
import { markdownTable, writeReport, type ResultRow } from './report.ts';
import { runReportsBench } from './reports.ts';
import { runRulesScanBench } from './rules-scan.ts';

const args = process.argv.slice(2);
const flags = new Map<string, string>();
const names: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i]!.startsWith('--')) flags.set(args[i]!.slice(2), args[++i] ?? '');
  else names.push(args[i]!);
}
const numberOf = (flag: string, env: string, fallback: number) => Number(flags.get(flag) ?? process.env[env] ?? fallback);

async function customersList(): Promise<ResultRow[]> {
  const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number).filter((n) => n > 0);
  const fileSize = Number(process.env.BENCH_FILE_SIZE ?? 10_000);
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);
  process.stdout.write(`  ${iterations} runs each\n`);
  const rows = await runCustomersListBench({ sizes, fileSize, iterations });
  process.stdout.write('\nengine    size     query                                  api p50/p95 ms    raw p50/p95 ms    ratio\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.engine.padEnd(9)} ${String(r.size).padEnd(8)} ${r.query.padEnd(38)} ${`${r.apiP50.toFixed(1)}/${r.apiP95.toFixed(1)}`.padEnd(17)} ${`${r.rawP50.toFixed(1)}/${r.rawP95.toFixed(1)}`.padEnd(17)} ${r.ratio.toFixed(2)}\n`,
    );
  }
  return customersListRows(rows);
}

const benches: { name: string; aliases?: string[]; title: string; run: () => Promise<ResultRow[]> }[] = [
  { name: 'h5', title: 'h5: first-screen size and LCP', run: async () => h5Rows(await runH5Bench()) },
  { name: 'rules', aliases: ['rules-scan'], title: 'rules-scan: the stale-customer rule over 100k customers', run: () => runRulesScanBench(Number(process.env.BENCH_RULES_SIZE ?? 100_000)) },
  { name: 'import', title: 'import: a generated .xlsx deduplicated against 100k stored customers', run: () => runImportBench() },
  { name: 'reports', title: 'reports: rankings, trends and the funnel at 100k customers, 300k follow-ups', run: () => runReportsBench() },
  { name: 'customers', aliases: ['customers-list'], title: 'customers-list: GET /api/customers vs the raw driver', run: customersList },
  {
    name: 'load',
    title: 'load: 50 reps and 5 managers against the real server, and against a bare Koa + mongodb handler',
    run: () =>
      runLoadBench({
        seconds: numberOf('seconds', 'BENCH_LOAD_SECONDS', 60),
        customers: numberOf('customers', 'BENCH_LOAD_CUSTOMERS', 100_000),
        warmup: numberOf('warmup', 'BENCH_LOAD_WARMUP', 5),
        timeout: numberOf('timeout', 'BENCH_LOAD_TIMEOUT', 10),
      }),
  },
];

const unknown = names.filter((n) => !benches.some((b) => b.name === n || b.aliases?.includes(n)));
if (unknown.length) {
  process.stderr.write(`no benchmark named ${unknown.join(', ')}; one of: ${benches.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const chosen = names.length ? benches.filter((b) => names.includes(b.name) || b.aliases?.some((a) => names.includes(a))) : benches;

const rows: ResultRow[] = [];
const notes: string[] = [];
const started = Date.now();
for (const bench of chosen) {
  process.stdout.write(`\n${bench.title}\n`);
  const benchStarted = Date.now();
  let benchRows: ResultRow[];
  try {
    benchRows = await bench.run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`  ${bench.name} failed: ${message}\n`);
    benchRows = [...((error as { rows?: ResultRow[] }).rows ?? []), { measure: `${bench.name}: failed — ${message}`, value: null, unit: '', goal: 'runs to the end', pass: false }];
  }
  rows.push(...benchRows);
  notes.push(`${bench.name} took ${((Date.now() - benchStarted) / 60_000).toFixed(1)} min`);
  process.stdout.write(`\n${markdownTable(benchRows)}\n`);
}

const reportFile = flags.get('report') || (names.length ? null : fileURLToPath(new URL('./REPORT.md', import.meta.url)));
if (reportFile) {
  writeReport(reportFile, rows, [...notes, `all benchmarks took ${((Date.now() - started) / 60_000).toFixed(1)} min`]);
  process.stdout.write(`\nwrote ${reportFile}\n`);
}
const missed = rows.filter((r) => r.pass === false).length;
if (missed) process.stdout.write(`${missed} goal(s) missed\n`);
process.exit(missed ? 1 : 0);
