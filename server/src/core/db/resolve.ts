// At start: the configured MONGODB_URI, or an embedded server started for this process.
import type { Config } from '../../../../config/index.ts';
import type { Logger } from '../logger.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.ts';

export interface ResolvedDatabase {
  uri: string;
  embedded: EmbeddedDatabase | null;
}

export async function resolveDatabase(config: Config, logger: Logger): Promise<ResolvedDatabase> {
  if (config.MONGODB_URI) return { uri: config.MONGODB_URI, embedded: null };
  const embedded = await startEmbeddedDatabase({
    engine: config.EMBEDDED_DB_ENGINE,
    dataFile: config.EMBEDDED_DB_FILE,
    heap: config.EMBEDDED_DB_HEAP,
    onLog: (line) => logger.warn({ source: 'embedded-db' }, line),
  });
  logger.info({ engine: embedded.engine, dbPid: embedded.pid }, 'embedded database started');
  return { uri: embedded.uri, embedded };
}
