// One embedded database (in-memory backend) for the whole run; every test file uses its own
// database name on it. TEST_MONGODB_URI runs the same suites against a real MongoDB instead.
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../server/src/core/db/embedded.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

let database: EmbeddedDatabase | null = null;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.TEST_MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    return;
  }
  database = await startEmbeddedDatabase({ engine: 'java', dataFile: null, heap: '1g' });
  project.provide('mongoUri', database.uri);
}

export async function teardown(): Promise<void> {
  await database?.stop();
}
