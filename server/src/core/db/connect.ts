// One mongoose connection per process (tests: per test file). Models are registered on this
// connection, never on the global mongoose, so every test file can use its own database.
import mongoose, { type Connection } from 'mongoose';

export interface ConnectOptions {
  uri: string;
  dbName: string;
  serverSelectionTimeoutMs?: number;
  /** driver command monitoring, used by the portability check in tests */
  monitorCommands?: boolean;
}

export async function connectDatabase(options: ConnectOptions): Promise<Connection> {
  const connection = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
    monitorCommands: options.monitorCommands ?? false,
    // Indexes are created explicitly at start (see app.ts), so startup waits for them.
    autoIndex: false,
    autoCreate: false, // createIndexes creates each collection; two creators would race
  });
  await connection.asPromise();
  return connection;
}

/** The database's answer to ping, bounded so /readyz answers quickly when the database does not. */
export async function pingDatabase(connection: Connection, timeoutMs = 2_000): Promise<boolean> {
  if (connection.readyState !== 1 || !connection.db) return false;
  const timeout = new Promise<false>((resolvePing) => setTimeout(() => resolvePing(false), timeoutMs).unref());
  const ping = connection.db
    .command({ ping: 1 })
    .then((answer) => answer.ok === 1)
    .catch(() => false);
  return Promise.race([ping, timeout]);
}
