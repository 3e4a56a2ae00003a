// Load: the real server (buildApp on the embedded database, loopback only) with 100k customers
// spread over 50 reps, driven by autocannon as 50 reps and 5 managers at once — each virtual user
// on its own connection with its own session token — through a mix of the customer list, search,
// customer detail, timeline and new follow-ups. Then the same mix, the same connections and the
// same duration against a bare Koa + mongodb-driver handler answering the same routes with the
// same queries (bare-app.ts), so the ratio shows what Kemai's layers cost under load.
// Both servers run in a process of their own (load-server.ts); the load comes from this one.
// Any error or non-2xx answer fails the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BSON, type Db, type Document } from 'mongodb';
import type { Types } from 'mongoose';
import { startEmbeddedDatabase } from '../../server/src/core/db/embedded.ts';
import type { RequestScope } from '../../server/src/core/auth/scope.ts';
import type { User } from '../../server/src/modules/org/user.model.ts';
import { startBenchApp, type ExtraUser } from './bench-app.ts';
import { ratioOf, type ResultRow } from './report.ts';
import { serverNodeFlags } from './server-flags.ts';

export interface LoadOptions {
  /** seconds of measured load against each server (60 by default) */
  seconds: number;
  customers: number;
  /** seconds of unmeasured load before each measured run */
  warmup: number;
  /** seconds after which autocannon gives up on an answer and counts an error (10 by default) */
  timeout?: number;
}

type Op = 'list' | 'search' | 'detail' | 'timeline' | 'followUp';
const ops: Op[] = ['list', 'search', 'detail', 'timeline', 'followUp'];
/** What a rep and a manager do, in percent of their requests. */
export const mixes: Record<'rep' | 'manager', Record<Op, number>> = {
  rep: { list: 30, search: 20, detail: 25, timeline: 15, followUp: 10 },
  manager: { list: 35, search: 20, detail: 25, timeline: 20, followUp: 0 },
};
const listPaths = ['/api/customers?sort=updated&limit=20', '/api/customers?stage=prospect&sort=updated&limit=20', '/api/customers?sort=lastFollowUp&limit=20'];
const followUpBody = JSON.stringify({ method: 'call', content: '电话回访，客户询问报价和交付周期' });

interface VirtualUser {
  login: string;
  role: 'rep' | 'manager';
  token: string;
  customerIds: string[];
  searchTerms: string[];
}

/** 44 reps and 3 managers beside the demo organisation's 6 and 2: 50 reps and 5 managers. */
function loadUsers(): ExtraUser[] {
  const users: ExtraUser[] = [];
  for (let i = 1; i <= 22; i++) users.push({ login: `rep.load.east${i}`, name: `华东销售${i}`, role: 'rep', department: '华东大区' });
  for (let i = 1; i <= 22; i++) users.push({ login: `rep.load.south${i}`, name: `华南销售${i}`, role: 'rep', department: '华南大区' });
  users.push({ login: 'manager.east2', name: '华东副经理', role: 'manager', department: '华东大区' });
  users.push({ login: 'manager.east3', name: '华东区域经理', role: 'manager', department: '华东大区' });
  users.push({ login: 'manager.south2', name: '华南副经理', role: 'manager', department: '华南大区' });
  return users;
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;
}

function startServer(mode: 'kemai' | 'bare', uri: string, dbName: string, usersFile: string): Promise<{ child: ChildProcess; base: string }> {
  const script = fileURLToPath(new URL('./load-server.ts', import.meta.url));
  // both with the Node flags `npm start` gives the server (its heap limit)
  const child = spawn(process.execPath, [...serverNodeFlags(), '--import', 'tsx', script, mode, uri, dbName, usersFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} server did not start within 60 s`)), 60_000);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}` });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${mode} server exited with ${code}`));
    });
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(kill);
}

interface Measured {
  result: autocannon.Result;
  /** answers received after the warm-up, per second of the measured part */
  rps: number;
  non2xx: number;
  latencies: number[];
  byOp: Record<Op, { count: number; non2xx: number; timeouts: number; latencies: number[] }>;
  failures: string[];
}

/**
 * One autocannon run: one connection per virtual user, each drawing its operations from its own
 * seeded sequence (the same for both servers). Answers in the first `warmup` seconds are not counted:
 * one continuous run, so no requests cut off between a warm-up and the measured part weigh on it.
 */
function drive(base: string, users: VirtualUser[], options: { warmup: number; seconds: number; timeout: number }): Promise<Measured> {
  const byOp = Object.fromEntries(ops.map((op) => [op, { count: 0, non2xx: 0, timeouts: 0, latencies: [] as number[] }])) as Measured['byOp'];
  const latencies: number[] = [];
  const failures: string[] = [];
  let nextUser = 0;
  let measured = 0;
  let non2xx = 0;
  const countFrom = performance.now() + options.warmup * 1000;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: base,
        connections: users.length,
        duration: options.warmup + options.seconds,
        pipelining: 1,
        timeout: options.timeout,
        setupClient(client) {
          const index = nextUser++ % users.length;
          const user = users[index]!;
          const rand = random(1000 + index);
          const mix = mixes[user.role];
          const total = ops.reduce((sum, op) => sum + mix[op], 0);
          const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!;
          const state = { op: 'list' as Op, path: '' };
          client.setRequests([
            {
              setupRequest(request) {
                let roll = rand() * total;
                state.op = ops.find((op) => (roll -= mix[op]) < 0) ?? 'list';
                const id = pick(user.customerIds);
                state.path = {
                  list: () => pick(listPaths),
                  search: () => `/api/search?q=${encodeURIComponent(pick(user.searchTerms))}&limit=20`,
                  detail: () => `/api/customers/${id}`,
                  timeline: () => `/api/customers/${id}/timeline?limit=20`,
                  followUp: () => `/api/customers/${id}/follow-ups`,
                }[state.op]();
                const post = state.op === 'followUp';
                return {
                  ...request,
                  method: post ? 'POST' : 'GET',
                  path: state.path,
                  headers: { authorization: `Bearer ${user.token}`, ...(post ? { 'content-type': 'application/json' } : {}) },
                  body: post ? followUpBody : '',
                };
              },
              onResponse(status, body) {
                if ((status < 200 || status > 299) && failures.length < 5) failures.push(`${user.login} ${state.op} ${state.path} → ${status} ${body.slice(0, 200)}`);
              },
            },
          ]);
          // autocannon gives up on the request in flight: count it against its operation (warm-up too)
          (client as NodeJS.EventEmitter).on('timeout', () => byOp[state.op].timeouts++);
          client.on('response', (status: number, _bytes: number, ms: number) => {
            if (status < 200 || status > 299) non2xx++; // in the warm-up too
            if (performance.now() < countFrom) return;
            measured++;
            const stats = byOp[state.op];
            stats.count++;
            if (status < 200 || status > 299) stats.non2xx++;
            stats.latencies.push(ms);
            latencies.push(ms);
          });
        },
      },
      (error: unknown, result: autocannon.Result) =>
        error ? reject(error as Error) : resolve({ result, rps: measured / options.seconds, non2xx, latencies: latencies.sort((a, b) => a - b), byOp, failures }),
    );
  });
}

async function measure(label: string, base: string, users: VirtualUser[], options: LoadOptions): Promise<Measured> {
  const m = await drive(base, users, { warmup: options.warmup, seconds: options.seconds, timeout: options.timeout ?? 10 });
  const r = m.result;
  process.stdout.write(
    `  ${label.padEnd(6)} ${String(m.latencies.length).padStart(7)} answers in ${options.seconds} s = ${m.rps.toFixed(1)} req/s · latency p50 ${percentile(m.latencies, 50).toFixed(1)} ms p95 ${percentile(m.latencies, 95).toFixed(1)} ms p99 ${percentile(m.latencies, 99).toFixed(1)} ms · errors ${r.errors} (timeouts ${r.timeouts}) · non-2xx ${m.non2xx} (errors and non-2xx counted from the warm-up on)\n`,
  );
  for (const op of ops) {
    const s = m.byOp[op];
    if (!s.count && !s.timeouts) continue;
    const sorted = s.latencies.sort((a, b) => a - b);
    process.stdout.write(`         ${op.padEnd(9)} ${String(s.count).padStart(6)} · p50 ${percentile(sorted, 50).toFixed(1)} ms p95 ${percentile(sorted, 95).toFixed(1)} ms · non-2xx ${s.non2xx} · timeouts ${s.timeouts}\n`);
  }
  for (const failure of m.failures) process.stdout.write(`         ! ${failure}\n`);
  return m;
}

/**
 * Waits until the database answers a trivial read quickly again: requests cut off when a run
 * stops may still be working in the database, and must not weigh on the next server's run.
 */
async function drain(db: Db): Promise<void> {
  const until = Date.now() + 60_000;
  let quick = 0;
  while (quick < 3 && Date.now() < until) {
    const started = performance.now();
    await db.collection('customers').findOne({}, { projection: { _id: 1 } });
    quick = performance.now() - started < 50 ? quick + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function runLoadBench(options: LoadOptions): Promise<ResultRow[]> {
  const database = process.env.BENCH_MONGODB_URI ? null : await startEmbeddedDatabase({ engine: 'java', dataFile: null, heap: '4g' });
  const uri = process.env.BENCH_MONGODB_URI ?? database!.uri;
  const folder = mkdtempSync(join(tmpdir(), 'kemai-load-'));
  const children: ChildProcess[] = [];
  try {
    const bench = await startBenchApp(uri, { customers: options.customers, label: 'load', extraUsers: loadUsers() });
    try {
      const { app } = bench;
      // the virtual users: every rep and manager, each with a session of their own
      const people = await app.models.users.find({ role: { $in: ['rep', 'manager'] }, active: true }).sort({ role: -1, login: 1 }).lean<User[]>();
      const scopes = new Map<string, RequestScope>();
      for (const person of people) scopes.set(person._id.toHexString(), (await app.services.auth.scopeFor(person._id.toHexString()))!);
      // each user's customers (what they would open, search for and follow up), read in one pass
      const seen = new Map<string, { _id: Types.ObjectId; name: string; phones: string[] }[]>(people.map((p) => [p._id.toHexString(), []]));
      const cursor = bench.connection.db!.collection('customers').find({ deletedAt: null }, { projection: { name: 1, phones: 1, ownerId: 1, ownerDepartmentId: 1, collaboratorIds: 1 } });
      for await (const c of cursor) {
        for (const [id, scope] of scopes) {
          const list = seen.get(id)!;
          if (list.length < 400 && scope.seesCustomer(c as never)) list.push(c as never);
        }
      }
      const users: VirtualUser[] = [];
      const bare: { token: string; userId: Types.ObjectId; filter: Document; dataScope: string; departmentSubtree: string[] }[] = [];
      for (const person of people) {
        const id = person._id.toHexString();
        const mine = seen.get(id)!;
        if (mine.length === 0) throw new Error(`${person.login} sees no customers`);
        const { token } = await app.services.auth.openSession(person, 'bench');
        const terms = mine.slice(0, 30).map((c, i) => (i % 3 === 1 && c.phones[0] ? c.phones[0].slice(-4) : i % 3 === 2 && [...c.name].length >= 4 ? [...c.name].slice(2, 4).join('') : [...c.name].slice(0, 2).join('')));
        users.push({ login: person.login, role: person.role === 'manager' ? 'manager' : 'rep', token, customerIds: mine.map((c) => c._id.toHexString()), searchTerms: terms });
        const scope = scopes.get(id)!;
        bare.push({ token, userId: person._id, filter: scope.filter('customer'), dataScope: scope.dataScope, departmentSubtree: [...scope.departmentSubtree] });
      }
      const usersFile = join(folder, 'users.json');
      writeFileSync(usersFile, BSON.EJSON.stringify(bare, { relaxed: false }));
      const reps = users.filter((u) => u.role === 'rep').length;
      process.stdout.write(`  ${reps} reps and ${users.length - reps} managers, one connection and one session each; ${options.warmup} s warm-up, then ${options.seconds} s measured, per server; an answer later than ${options.timeout ?? 10} s is an error\n`);
      for (const role of ['rep', 'manager'] as const) process.stdout.write(`  ${role} mix: ${ops.filter((op) => mixes[role][op]).map((op) => `${op} ${mixes[role][op]}%`).join(', ')}\n`);

      const results: Partial<Record<'kemai' | 'bare', Measured>> = {};
      for (const mode of ['kemai', 'bare'] as const) {
        const server = await startServer(mode, uri, bench.dbName, usersFile);
        children.push(server.child);
        try {
          results[mode] = await measure(mode, server.base, users, options);
        } finally {
          await stopServer(server.child);
        }
        await drain(bench.connection.db!);
      }
      const kemai = results.kemai!;
      const reference = results.bare!;
      const rps = (m: Measured) => m.rps;
      const p = (m: Measured, q: number) => percentile(m.latencies, q);
      process.stdout.write(
        `  kemai / bare: throughput ${(rps(kemai) / rps(reference)).toFixed(2)} · p50 ${(p(kemai, 50) / p(reference, 50)).toFixed(2)} · p95 ${(p(kemai, 95) / p(reference, 95)).toFixed(2)} · p99 ${(p(kemai, 99) / p(reference, 99)).toFixed(2)}\n`,
      );
      const failed = (m: Measured) => m.result.errors + m.non2xx; // autocannon's errors include its timeouts
      const label = `load · ${users.length} users, ${options.customers} customers, ${options.seconds} s`;
      const rows: ResultRow[] = [
        { measure: `${label}: throughput`, value: rps(kemai), unit: 'req/s', reference: rps(reference), ratio: ratioOf(rps(kemai), rps(reference)), goal: null, pass: null },
        ...[50, 95, 99].map((q) => ({
          measure: `${label}: latency p${q}`,
          value: p(kemai, q),
          unit: 'ms',
          reference: p(reference, q),
          ratio: ratioOf(p(kemai, q), p(reference, q)),
          goal: null,
          pass: null,
        })),
        { measure: `${label}: errors (incl. timeouts after ${options.timeout ?? 10} s)`, value: kemai.result.errors, unit: '', reference: reference.result.errors, goal: '0', pass: kemai.result.errors === 0 },
        { measure: `${label}: non-2xx answers`, value: kemai.non2xx, unit: '', reference: reference.non2xx, goal: '0', pass: kemai.non2xx === 0 },
      ];
      if (failed(kemai) > 0 || failed(reference) > 0) {
        const error = new Error(`load: ${failed(kemai)} errors or non-2xx answers from Kemai, ${failed(reference)} from the bare handler`) as Error & { rows?: ResultRow[] };
        error.rows = rows;
        throw error;
      }
      return rows;
    } finally {
      await bench.close();
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
    await database?.stop();
  }
}
