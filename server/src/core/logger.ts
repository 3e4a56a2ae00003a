// JSON logs with pino. Headers that carry credentials and fields that carry personal data are
// redacted here once, so no feature can leak them by logging a whole object.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.phone',
  '*.phones',
  '*.mobile',
  '*.email',
  '*.idNumber',
  'config.MONGODB_URI',
];

export function createLogger(options: { level: string; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name ?? 'kemai',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    destination,
  );
}
