// A database of the test file's own on the shared test server, watched for commands that the
// embedded engine does not run (server/src/core/db/portability.ts).
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { inject } from 'vitest';
import type { CommandStartedEvent } from 'mongodb';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { unportableFeatures } from '../../server/src/core/db/portability.ts';
import { declaredIndexes, describeShape, isServed, shapesOf, type QueryShape } from './index-coverage.ts';

export interface TestDatabase {
  uri: string;
  dbName: string;
  connection: Connection;
  /** unportable commands seen on this connection: [feature, command name] */
  unportable: { feature: string; command: string }[];
  /** every query shape sent on this connection */
  shapes: QueryShape[];
  /** the shapes no declared index serves, described for a failure message */
  unindexed(): string[];
  drop(): Promise<void>;
}

export function uniqueDbName(prefix = 'kemai_test'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function openTestDatabase(dbName = uniqueDbName()): Promise<TestDatabase> {
  const uri = inject('mongoUri');
  const connection = await connectDatabase({ uri, dbName, monitorCommands: true });
  const unportable: TestDatabase['unportable'] = [];
  const shapes = new Map<string, QueryShape>();
  connection.getClient().on('commandStarted', (event: CommandStartedEvent) => {
    if (event.databaseName !== dbName) return;
    for (const feature of unportableFeatures(event.commandName, event.command)) {
      unportable.push({ feature, command: event.commandName });
    }
    for (const shape of shapesOf(event.commandName, event.command)) shapes.set(describeShape(shape), shape);
  });
  return {
    uri,
    dbName,
    connection,
    unportable,
    get shapes() {
      return [...shapes.values()];
    },
    unindexed() {
      const indexes = declaredIndexes(connection);
      return [...shapes.entries()]
        .filter(([, shape]) => !isServed(shape, indexes.get(shape.collection) ?? []))
        .map(([description]) => description);
    },
    async drop() {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}
