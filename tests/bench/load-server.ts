// The load test's server, in a process of its own (as in production, and so the load generator
// does not share its event loop): `kemai` is the real app (buildApp) on the seeded database,
// `bare` the reference handler (bare-app.ts). Listens on loopback, prints {"port": N}, and exits
// when its parent closes stdin (or goes away).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { BSON, MongoClient } from 'mongodb';
import { loadConfig } from '../../config/index.ts';
import { buildApp } from '../../server/src/app.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { bareApp, type BareUser } from './bare-app.ts';

const [mode, uri, dbName, usersFile] = process.argv.slice(2);
let handler: Parameters<typeof createServer>[1];
let close: () => Promise<unknown>;
if (mode === 'kemai') {
  const connection = await connectDatabase({ uri: uri!, dbName: dbName! });
  const app = buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), logger: createLogger({ level: 'silent' }), connection, sessionSecret: 'b'.repeat(32), h5DistDir: '/nonexistent' });
  handler = app.koa.callback();
  close = () => connection.close();
} else if (mode === 'bare') {
  const client = await new MongoClient(uri!).connect();
  const users = new Map<string, BareUser>(
    (BSON.EJSON.parse(readFileSync(usersFile!, 'utf8')) as (BareUser & { token: string })[]).map(({ token, ...user }) => [token, user]),
  );
  handler = bareApp(client.db(dbName), users).callback();
  close = () => client.close();
} else {
  throw new Error(`usage: load-server.ts kemai|bare <uri> <dbName> [usersFile]`);
}

const server = createServer(handler);
server.keepAliveTimeout = 65_000; // as server/src/main.ts
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n'));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  await close().catch(() => undefined);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.once('SIGTERM', stop);
