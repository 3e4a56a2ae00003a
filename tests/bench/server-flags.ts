// The Node flags `npm start` gives the server (package.json's start script), with their
// `${NAME:-default}` values taken from the environment as the shell would: a benchmark that stands
// for the server runs its process the same way.
import { readFileSync } from 'node:fs';

export function serverNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const match = /^exec node (.*?) ?--import tsx server\/src\/main\.ts$/.exec(pkg.scripts.start);
  if (!match) throw new Error(`package.json's start script has an unexpected shape: ${pkg.scripts.start}`);
  return match[1]!
    .split(' ')
    .filter(Boolean)
    .map((flag) => flag.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => env[name] || fallback));
}
