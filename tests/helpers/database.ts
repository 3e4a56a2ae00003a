// A database of the test file's own on the shared test server, watched for commands that the
// embedded engine does not run (server/src/core/db/portability.ts).
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { inject } from 'vitest';
import type { CommandStartedEvent } from 'mongodb';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { unportableFeatures } from '../../server/src/core/db/portability.ts';

export interface TestDatabase {
  uri: string;
  dbName: string;
  connection: Connection;
  /** unportable commands seen on this connection: [feature, command name] */
  unportable: { feature: string; command: string }[];
  drop(): Promise<void>;
}

export function uniqueDbName(prefix = 'kemai_test'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function openTestDatabase(dbName = uniqueDbName()): Promise<TestDatabase> {
  const uri = inject('mongoUri');
  const connection = await connectDatabase({ uri, dbName, monitorCommands: true });
  const unportable: TestDatabase['unportable'] = [];
  connection.getClient().on('commandStarted', (event: CommandStartedEvent) => {
    for (const feature of unportableFeatures(event.commandName, event.command)) {
      unportable.push({ feature, command: event.commandName });
    }
  });
  return {
    uri,
    dbName,
    connection,
    unportable,
    async drop() {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}
