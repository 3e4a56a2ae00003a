// Import at size: a generated .xlsx of 10k rows (and 100k), deduplicated against 100k stored
// customers. The database is seeded here; the import runs in a fresh process of its own (as in a
// server) that times the dry run and the commit, samples its peak RSS, and times a raw insertMany
// of the same normalised rows.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { fileURLToPath } from 'node:url';
import { startEmbeddedDatabase } from '../../server/src/core/db/embedded.ts';
import { startBenchApp } from './bench-app.ts';
import { buildImportFile } from './import-file.ts';
import type { ResultRow } from './report.ts';
import { serverNodeFlags } from './server-flags.ts';

interface WorkerResult {
  rows: number;
  dryRunMs: number;
  commitMs: number;
  rawMs: number;
  peakRss: number;
  baselineRss: number;
  counts: { rows: number; created: number; merged: number; skipped: number; invalid: number };
  fileGroups: number;
  existingMatches: number;
  status: string;
}

function runWorker(uri: string, dbName: string, rows: number, file: string, nodeFlags: string[]): Promise<WorkerResult> {
  const worker = fileURLToPath(new URL('./import-worker.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--expose-gc', '--import', 'tsx', worker, uri, dbName, String(rows), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult) : reject(new Error(`import worker exited with ${code}`))));
  });
}

export async function runImportBench(sizes = (process.env.BENCH_IMPORT_ROWS ?? '10000,100000').split(',').map(Number), storedCount = Number(process.env.BENCH_IMPORT_STORED ?? 100_000)): Promise<ResultRow[]> {
  const database = process.env.BENCH_MONGODB_URI ? null : await startEmbeddedDatabase({ engine: 'java', dataFile: null, heap: '6g' });
  const uri = process.env.BENCH_MONGODB_URI ?? database!.uri;
  const folder = mkdtempSync(join(tmpdir(), 'kemai-import-bench-'));
  const results: ResultRow[] = [];
  try {
    process.stdout.write('\nrows     phase     time s   rows/s   peak RSS MB   raw insertMany s   ratio\n');
    // The server as `npm start` runs it, with the heap HEAP_LIMIT_MB sets, is what the goals are
    // for. The same import with V8's own limit (sized from the machine's memory, about 4 GB here)
    // is shown beside it without a goal: V8 then lets garbage grow, and the peak RSS says more
    // about the machine than about Kemai. Each configuration imports into freshly seeded
    // customers, so neither meets the other's rows.
    const startFlags = serverNodeFlags();
    const heapFlag = startFlags.find((f) => f.startsWith('--max-old-space-size='));
    const configurations = [
      { heap: `as npm start runs it (${heapFlag ? `heap ≤ ${heapFlag.split('=')[1]} MB` : 'no heap limit'})`, flags: startFlags, goals: true },
      { heap: 'no heap limit (V8 sizes it from the machine)', flags: startFlags.filter((f) => f !== heapFlag), goals: false },
    ];
    for (const { heap, flags, goals } of configurations) {
      for (const rows of sizes) {
        const bench = await startBenchApp(uri, { customers: storedCount, label: `import, ${heap}` });
        const raw = new MongoClient(uri);
        try {
          // a tenth of the rows repeat customers already stored
          const stored = await raw.db(bench.dbName).collection('customers').find({}, { projection: { name: 1, phones: 1 } }).limit(5000).toArray();
          const file = join(folder, `customers-${rows}.xlsx`);
          writeFileSync(file, await buildImportFile(rows, stored.map((c) => ({ name: c.name as string, phones: (c.phones as string[]) ?? [] }))));
          const r = await runWorker(uri, bench.dbName, rows, file, [...flags]).catch((error: Error) => error);
          if (r instanceof Error) {
            process.stdout.write(`[${heap}] ${rows} rows: the import process failed (${r.message})\n`);
            results.push({ measure: `import · ${rows} rows against ${storedCount}, ${heap}: failed (${r.message})`, value: null, unit: '', goal: 'completes', pass: false });
            continue;
          }
          const c = r.counts;
          if (r.status !== 'done' || c.created + c.merged + c.skipped + c.invalid !== c.rows) throw new Error(`import did not account for every row: ${JSON.stringify(r)}`);
          const total = (r.dryRunMs + r.commitMs) / 1000;
          const rss = Math.round(r.peakRss / 1_048_576);
          const line = (phase: string, seconds: number) => `${String(rows).padEnd(8)} ${phase.padEnd(9)} ${seconds.toFixed(1).padStart(6)}   ${String(Math.round(rows / seconds)).padStart(6)}   ${String(rss).padStart(6)}`;
          process.stdout.write(`[${heap}]\n${line('dry run', r.dryRunMs / 1000)}\n${line('commit', r.commitMs / 1000)}\n`);
          process.stdout.write(`${line('total', total)}        ${(r.rawMs / 1000).toFixed(2).padStart(8)}          ${(total / (r.rawMs / 1000)).toFixed(1)}\n`);
          process.stdout.write(
            `         ${c.rows} rows = ${c.created} created + ${c.merged} merged + ${c.skipped} skipped + ${c.invalid} invalid; ${r.fileGroups} groups in the file, ${r.existingMatches} rows matching stored customers; RSS before the import ${Math.round(r.baselineRss / 1_048_576)} MB\n`,
          );
          // the goals are set for 10k rows; other sizes are reported without one
          const goal = goals && rows === 10_000;
          if (goal) process.stdout.write(`         goal for 10k: ≤ 15 s → ${total <= 15 ? 'pass' : 'FAIL'}; RSS ≤ 400 MB → ${rss <= 400 ? 'pass' : 'FAIL'}\n`);
          const label = `import · ${rows} rows against ${storedCount}, ${heap}`;
          results.push(
            { measure: `${label}: dry run + commit (reference: raw insertMany)`, value: total, unit: 's', reference: r.rawMs / 1000, ratio: r.rawMs > 0 ? total / (r.rawMs / 1000) : null, goal: goal ? '≤ 15 s' : null, pass: goal ? total <= 15 : null },
            { measure: `${label}: peak RSS`, value: rss, unit: 'MB', goal: goal ? '≤ 400 MB' : null, pass: goal ? rss <= 400 : null },
          );
        } finally {
          await raw.close();
          await bench.close();
        }
      }
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await database?.stop();
  }
  return results;
}
