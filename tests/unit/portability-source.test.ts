// The API calls that lead to features the embedded engine lacks (server/src/core/db/README.md).
// The runtime watcher in tests/helpers/database.ts catches what reaches the driver; this catches
// code paths the suite may not exercise.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

const forbidden: [RegExp, string][] = [
  [/\bstartSession\s*\(|\bwithTransaction\s*\(|\.startTransaction\s*\(/, 'transactions and sessions'],
  [/\.watch\s*\(/, 'change streams'],
  [/['"]\$text['"]|\$text\s*:/, '$text queries'],
  [/['"]text['"]\s*\}\s*\)/, 'text indexes'],
  [/partialFilterExpression/, 'partial indexes'],
  [/expireAfterSeconds|expires\s*:\s*['"\d]/, 'TTL indexes'],
  [/\bcollation\b/, 'collation'],
  [/2dsphere|\$geoWithin|\$near\b|\$geoNear|\$geoIntersects/, 'geospatial queries'],
  [/\$dateTrunc|\$setWindowFields/, 'missing aggregation operators'],
];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|vue)$/.test(name) ? [path] : [];
  });
}

describe('the app uses only what both database engines run', () => {
  const files = [...sourceFiles(join(root, 'server')), ...sourceFiles(join(root, 'bot-cards'))].filter(
    (file) => !file.endsWith(join('core', 'db', 'portability.ts')),
  );

  it('finds the source to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(forbidden)('no %s (%s)', (pattern) => {
    const hits = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${relative(root, file)}:${i + 1}` }))
        .filter(({ line }) => !line.trim().startsWith('//') && pattern.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(hits).toEqual([]);
  });
});
