// Starts the embedded MongoDB-protocol server when no MONGODB_URI is configured:
// `mongod` when one is on the PATH, otherwise the mongo-java-server launcher in tools/embedded-mongo.
// Either way the child watches its standard input and exits when it closes, so it dies with this
// process, even on SIGKILL (DESIGN.md, "Database").
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

export const launcherJar = fileURLToPath(
  new URL('../../../../tools/embedded-mongo/target/kemai-embedded-mongo.jar', import.meta.url),
);

export type EmbeddedEngine = 'auto' | 'mongod' | 'java';

export interface EmbeddedOptions {
  engine: EmbeddedEngine;
  /** H2 file for the java engine, dbpath parent for mongod; null = in memory (tests) */
  dataFile: string | null;
  heap?: string;
  port?: number;
  startTimeoutMs?: number;
  onLog?: (line: string) => void;
}

export interface EmbeddedDatabase {
  uri: string;
  engine: 'mongod' | 'java';
  pid: number;
  /** resolves with the exit code when the child ends, for whatever reason */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}

const LOCKED_EXIT_CODE = 3;

export function findOnPath(command: string, pathVariable = process.env.PATH ?? ''): string | null {
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function chooseEngine(engine: EmbeddedEngine): 'mongod' | 'java' {
  if (engine !== 'auto') return engine;
  if (findOnPath('mongod')) return 'mongod';
  if (existsSync(launcherJar) && findOnPath('java')) return 'java';
  throw new EmbeddedDatabaseError(
    'No database is configured and none can be started here. Ways out:\n' +
      '  - set MONGODB_URI to a MongoDB 6+ server (mongodb://host:27017/kemai);\n' +
      '  - put `mongod` on the PATH, and Kemai starts it with its data under data/mongo;\n' +
      '  - install Java 17+ and Maven, then run `npm install` again to build the embedded database.',
  );
}

export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const engine = chooseEngine(options.engine);
  return engine === 'java' ? startJava(options) : startMongod(options);
}

function describeLock(dataFile: string): string {
  let running = '';
  try {
    const [uri, pid] = readFileSync(dataFile + '.uri', 'utf8').split('\n');
    if (uri) running = ` It listens on ${uri}${pid ? ` (database process ${pid})` : ''}.`;
  } catch {
    // no hint file: the message stays general
  }
  const shown = relative(process.cwd(), dataFile) || dataFile;
  return (
    `The embedded database file ${shown} is in use by another Kemai process.${running}\n` +
    '  - to run several servers on one embedded database, start it once with `npm run db` and give each\n' +
    '    server the printed address as MONGODB_URI;\n' +
    '  - or stop the other server first, or give this one another file with EMBEDDED_DB_FILE.'
  );
}

function startJava(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  if (!existsSync(launcherJar)) {
    throw new EmbeddedDatabaseError(
      `The embedded database launcher is not built (${relative(process.cwd(), launcherJar)}). ` +
        'Install Java 17+ and Maven and run `npm install` again, or set MONGODB_URI.',
    );
  }
  // the G1 collector: with 100k customers and their indexes held in memory, the serial and the
  // parallel collectors stopped the engine for seconds at a time in a large import (a 3.8 s full
  // collection in one 10k-row commit). G1 marks the old generation alongside and pauses for about
  // 0.1–0.2 s (measured: that commit 12.5 s → 8.4 s)
  const args = [`-Xmx${options.heap ?? '1g'}`, '-XX:+UseG1GC', '-jar', launcherJar, '--port', String(options.port ?? 0)];
  if (options.dataFile) args.push('--data', options.dataFile);
  else args.push('--in-memory');
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return awaitUri(child, 'java', options, (code, stderr) => {
    if (code === LOCKED_EXIT_CODE && options.dataFile) return describeLock(options.dataFile);
    return `The embedded database exited with code ${code} before it listened.\n${stderr}`;
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startMongod(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const mongod = findOnPath('mongod');
  if (!mongod) throw new EmbeddedDatabaseError('EMBEDDED_DB_ENGINE=mongod but no mongod is on the PATH.');
  const temporary = options.dataFile === null;
  const dbPath = temporary ? mkdtempSync(join(tmpdir(), 'kemai-mongod-')) : join(dirname(options.dataFile!), 'mongo');
  mkdirSync(dbPath, { recursive: true });
  const port = options.port || (await freePort());
  // mongod does not watch its input, so a small shell stays between: it ends mongod when our pipe closes.
  const script = 'mongod "$@" & pid=$!; trap \'kill $pid\' TERM INT; cat >/dev/null; kill $pid 2>/dev/null; wait $pid';
  const child = spawn('sh', ['-c', script, 'sh', '--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const uri = `mongodb://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const exited = exitPromise(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const message = /DBPathInUse|Unable to lock/.test(output)
        ? `The mongod data directory ${dbPath} is in use by another process. Stop it, or start it once and set MONGODB_URI.`
        : `mongod exited with code ${exitCode} before it listened.\n${output}`;
      throw new EmbeddedDatabaseError(message);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, directConnection: true });
    try {
      await client.db('admin').command({ ping: 1 });
      await client.close();
      return handle(child, 'mongod', uri, exited, () => temporary && rmSync(dbPath, { recursive: true, force: true }));
    } catch {
      await client.close().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  child.kill('SIGKILL');
  throw new EmbeddedDatabaseError(`mongod did not answer within ${options.startTimeoutMs ?? 60_000} ms.\n${output}`);
}

function exitPromise(child: ChildProcess): Promise<number | null> {
  return new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
}

function awaitUri(
  child: ChildProcess,
  engine: 'java',
  options: EmbeddedOptions,
  explainExit: (code: number | null, stderr: string) => string,
): Promise<EmbeddedDatabase> {
  const exited = exitPromise(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim()) options.onLog?.(line);
  });
  return new Promise((resolveStart, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EmbeddedDatabaseError(`The embedded database did not start within ${options.startTimeoutMs ?? 60_000} ms.\n${stderr}`));
    }, options.startTimeoutMs ?? 60_000);
    child.stdout!.setEncoding('utf8');
    const onData = (chunk: string) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.startsWith('mongodb://'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining whatever else it prints
      resolveStart(handle(child, engine, line.trim(), exited));
    };
    child.stdout!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new EmbeddedDatabaseError(`The embedded database could not be started: ${error.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new EmbeddedDatabaseError(explainExit(code, stderr)));
    });
  });
}

function handle(
  child: ChildProcess,
  engine: 'mongod' | 'java',
  uri: string,
  exited: Promise<number | null>,
  cleanup: () => void = () => undefined,
): EmbeddedDatabase {
  let stopping: Promise<void> | null = null;
  return {
    uri,
    engine,
    pid: child.pid!,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin!.end(); // the launcher's signal to close its store and exit
          const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
          if ((await Promise.race([exited, timeout(10_000)])) === 'timeout') {
            child.kill('SIGTERM');
            if ((await Promise.race([exited, timeout(5_000)])) === 'timeout') child.kill('SIGKILL');
          }
          await exited;
        }
        cleanup();
      })();
      return stopping;
    },
  };
}
