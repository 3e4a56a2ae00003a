// `npm run db`: the embedded database alone, on the same data file `npm start` uses, so several
// server processes can share it through MONGODB_URI. Prints the URI; stops on Ctrl-C or SIGTERM.
import { ConfigError, loadConfig, readEnvironment } from '../config/index.ts';
import { EmbeddedDatabaseError, startEmbeddedDatabase } from '../server/src/core/db/embedded.ts';

async function main(): Promise<number> {
  const config = loadConfig(readEnvironment());
  const database = await startEmbeddedDatabase({
    engine: config.EMBEDDED_DB_ENGINE,
    dataFile: config.EMBEDDED_DB_FILE,
    heap: config.EMBEDDED_DB_HEAP,
    onLog: (line) => process.stderr.write(line + '\n'),
  });
  process.stdout.write(`${database.uri}\n`);
  process.stderr.write(
    `kemai: embedded database (${database.engine}) on ${config.EMBEDDED_DB_FILE}\n` +
      `       start servers with MONGODB_URI=${database.uri}/${config.MONGODB_DB}; Ctrl-C stops it\n`,
  );
  const stop = () => void database.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return (await database.exited) ?? 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) {
      process.stderr.write(`kemai: ${error.message}\n`);
      process.exit(error instanceof ConfigError ? 78 : 1);
    }
    throw error;
  },
);
