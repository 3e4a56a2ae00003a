// Builds the embedded MongoDB-protocol server (one shaded jar) during `npm install`.
// Skips the build while pom.xml and src/ are unchanged since the last build, and skips it with a
// notice when Java 17+ or Maven is missing: Kemai can still run on MONGODB_URI or a local mongod.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const jar = join(here, 'target', 'kemai-embedded-mongo.jar');
const stamp = join(here, 'target', '.source-hash');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [path];
  });
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const file of [join(here, 'pom.xml'), ...sourceFiles(join(here, 'src'))].sort()) {
    hash.update(relative(here, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function javaMajorVersion() {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr + result.stdout);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major; // "1.8" style
}

function hasMaven() {
  const result = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  return !result.error && result.status === 0;
}

function main() {
  if (process.env.KEMAI_SKIP_EMBEDDED_BUILD === '1') {
    console.log('kemai: KEMAI_SKIP_EMBEDDED_BUILD=1, not building the embedded database');
    return 0;
  }
  const hash = sourceHash();
  if (existsSync(jar) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
    console.log('kemai: embedded database launcher is up to date');
    return 0;
  }
  const java = javaMajorVersion();
  if (java === null || java < 17 || !hasMaven()) {
    console.warn(
      'kemai: the embedded database was not built (it needs Java 17+ and Maven on the PATH).\n' +
        '       Kemai will use MONGODB_URI or a mongod on the PATH instead; to use the embedded one,\n' +
        '       install Java 17 and Maven and run `npm install` again.',
    );
    return 0;
  }
  console.log('kemai: building the embedded database launcher with Maven…');
  const build = spawnSync('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: here, stdio: 'inherit' });
  if (build.status !== 0 || !existsSync(jar)) {
    console.error('kemai: the Maven build of tools/embedded-mongo failed (see above).');
    return 1;
  }
  writeFileSync(stamp, hash + '\n');
  console.log('kemai: embedded database launcher built: ' + relative(process.cwd(), jar));
  return 0;
}

process.exitCode = main();
