// `npm start` builds the H5 app when h5/dist is missing or older than its sources, so a fresh
// clone serves the app with no extra command. The build is skipped while the sources' hash matches.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const h5Root = fileURLToPath(new URL('../../../../h5', import.meta.url));
const stampFile = () => join(h5Root, 'dist', '.source-hash');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

export function h5SourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [...files(join(h5Root, 'src')), join(h5Root, 'index.html'), join(h5Root, 'vite.config.ts')].sort();
  for (const file of inputs) hash.update(relative(h5Root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export function h5BuildIsCurrent(): boolean {
  const stamp = stampFile();
  return existsSync(join(h5Root, 'dist', 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === h5SourceHash();
}

/** Builds the app with Vite unless the current build matches the sources; returns whether it built. */
export async function ensureH5Build(log: (message: string) => void = () => undefined): Promise<boolean> {
  if (!existsSync(join(h5Root, 'src'))) return false;
  if (h5BuildIsCurrent()) return false;
  log('building the H5 app…');
  const { build } = await import('vite'); // a build tool: loaded only when a build is needed
  await build({ configFile: join(h5Root, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stampFile(), h5SourceHash() + '\n');
  return true;
}
