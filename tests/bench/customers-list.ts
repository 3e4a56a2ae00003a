// GET /api/customers against the raw driver running the same query on the same database.
// For each size: seed N customers, capture the exact find command each API call sends (through
// driver monitoring), then time the API over HTTP and the raw driver replaying that command.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import { startEmbeddedDatabase } from '../../server/src/core/db/embedded.ts';
import { startBenchApp } from './bench-app.ts';
import type { ResultRow } from './report.ts';

interface Case {
  name: string;
  login: string;
  path: string;
}

const cases: Case[] = [
  { name: 'rep: prospects, newest first', login: 'rep.east1', path: '/api/customers?stage=prospect&sort=updated&limit=20' },
  { name: 'manager: team, longest idle first', login: 'manager.east', path: '/api/customers?sort=lastFollowUp&limit=20' },
  { name: 'rep: keyword 科技', login: 'rep.east1', path: `/api/customers?keyword=${encodeURIComponent('科技')}&limit=20` },
  { name: 'director: all, by name', login: 'director', path: '/api/customers?sort=name&limit=20' },
];

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Times two functions in alternation, so both see the same JIT, GC and machine load. */
async function timePair(a: () => Promise<unknown>, b: () => Promise<unknown>, iterations: number): Promise<[number[], number[]]> {
  for (let i = 0; i < 10; i++) {
    await a();
    await b();
  }
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < iterations; i++) {
    for (const [index, fn] of [a, b].entries()) {
      const start = performance.now();
      await fn();
      samples[index]!.push(performance.now() - start);
    }
  }
  return samples;
}

export interface BenchRow {
  engine: string;
  size: number;
  query: string;
  apiP50: number;
  apiP95: number;
  rawP50: number;
  rawP95: number;
  ratio: number;
}

export async function benchCustomersList(uri: string, engine: string, size: number, iterations: number): Promise<BenchRow[]> {
  const bench = await startBenchApp(uri, { customers: size, label: engine });
  const raw = new MongoClient(uri);
  const rows: BenchRow[] = [];
  try {
    const { base, connection } = bench;
    const tokens = new Map<string, string>();
    for (const login of new Set(cases.map((c) => c.login))) {
      const response = await fetch(`${base}/api/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login }) });
      tokens.set(login, ((await response.json()) as { token: string }).token);
    }
    const collection = raw.db(bench.dbName).collection('customers');
    for (const item of cases) {
      const headers = { authorization: `Bearer ${tokens.get(item.login)}` };
      let captured: Document | null = null;
      const capture = (event: CommandStartedEvent) => {
        if (event.commandName === 'find' && event.command.find === 'customers') captured ??= event.command;
      };
      connection.getClient().on('commandStarted', capture);
      const probe = await fetch(base + item.path, { headers });
      if (probe.status !== 200) throw new Error(`${item.path}: ${probe.status} ${await probe.text()}`);
      connection.getClient().off('commandStarted', capture);
      const command = captured as Document | null;
      if (!command) throw new Error(`${item.path}: no customers query seen`);

      const [api, direct] = await timePair(
        async () => (await fetch(base + item.path, { headers })).json(),
        () =>
          collection
            .find(command.filter as Document, {
              sort: command.sort as Document,
              limit: command.limit as number,
              ...(command.projection ? { projection: command.projection as Document } : {}),
            })
            .toArray(),
        iterations,
      );
      const row: BenchRow = {
        engine,
        size,
        query: item.name,
        apiP50: percentile(api, 50),
        apiP95: percentile(api, 95),
        rawP50: percentile(direct, 50),
        rawP95: percentile(direct, 95),
        ratio: percentile(api, 50) / percentile(direct, 50),
      };
      rows.push(row);
      process.stdout.write(
        `  [${engine}] ${size} ${item.name}: api p50 ${row.apiP50.toFixed(1)} ms p95 ${row.apiP95.toFixed(1)} ms · raw p50 ${row.rawP50.toFixed(1)} ms p95 ${row.rawP95.toFixed(1)} ms · ratio ${row.ratio.toFixed(2)}\n`,
      );
    }
  } finally {
    await raw.close();
    await bench.close();
  }
  return rows;
}

/** Runs the sizes the issue asks for: 10k and 100k in memory (or BENCH_MONGODB_URI), 10k on the H2 file. */
export async function runCustomersListBench(options: { sizes: number[]; fileSize: number; iterations: number }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const external = process.env.BENCH_MONGODB_URI;
  if (external) {
    for (const size of options.sizes) rows.push(...(await benchCustomersList(external, 'mongodb', size, options.iterations)));
  } else {
    const memory = await startEmbeddedDatabase({ engine: 'java', dataFile: null, heap: '4g' });
    try {
      for (const size of options.sizes) rows.push(...(await benchCustomersList(memory.uri, 'memory', size, options.iterations)));
    } finally {
      await memory.stop();
    }
  }
  if (options.fileSize > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'kemai-bench-'));
    const file = await startEmbeddedDatabase({ engine: 'java', dataFile: join(dir, 'bench.mv.db'), heap: '2g' });
    try {
      rows.push(...(await benchCustomersList(file.uri, 'h2-file', options.fileSize, options.iterations)));
    } finally {
      await file.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The report's rows: the API's p50 and p95 beside the raw driver's (no goal is set for this benchmark). */
export function customersListRows(rows: BenchRow[]): ResultRow[] {
  return rows.flatMap((r) => [
    { measure: `customers-list · ${r.engine} ${r.size} · ${r.query}: p50`, value: r.apiP50, unit: 'ms', reference: r.rawP50, ratio: r.ratio, goal: null, pass: null },
    { measure: `customers-list · ${r.engine} ${r.size} · ${r.query}: p95`, value: r.apiP95, unit: 'ms', reference: r.rawP95, ratio: r.rawP95 > 0 ? r.apiP95 / r.rawP95 : null, goal: null, pass: null },
  ]);
}
