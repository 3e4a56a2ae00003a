// Reads, validates and resolves the configuration once at start. A bad value is reported by key
// and expectation; secret values never appear in messages or logs.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { configSchema, secretKeys, type RawConfig } from './schema.ts';

export interface Config extends Omit<RawConfig, 'DEV_LOGIN' | 'EMBEDDED_DB_FILE' | 'PUBLIC_URL' | 'DATA_DIR'> {
  DATA_DIR: string;
  DEV_LOGIN: boolean;
  EMBEDDED_DB_FILE: string;
  PUBLIC_URL: string;
  isProduction: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('Invalid configuration:\n' + problems.map((p) => '  - ' + p).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Environment variables win over the .env file, as a deployment expects. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, envFile = env.ENV_FILE ?? '.env'): Record<string, string | undefined> {
  const path = resolve(envFile);
  const fromFile = existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
  return { ...fromFile, ...env };
}

export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): Config {
  const keys = Object.keys(configSchema.shape);
  const input: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '?');
      const shown = secretKeys.has(key) ? '(hidden)' : JSON.stringify(input[key]);
      return `${key}: ${issue.message}, got ${shown}`;
    });
    throw new ConfigError(problems);
  }
  const raw = parsed.data;
  const isProduction = raw.NODE_ENV === 'production';
  const problems: string[] = [];
  if (isProduction && !raw.SESSION_SECRET) {
    problems.push('SESSION_SECRET: required when NODE_ENV=production (at least 32 random characters)');
  }
  if (isProduction && !raw.FIELD_ENCRYPTION_KEYS) {
    problems.push('FIELD_ENCRYPTION_KEYS: required when NODE_ENV=production (id:base64 of 32 random bytes)');
  }
  if (isProduction && !raw.BLIND_INDEX_KEY) {
    problems.push('BLIND_INDEX_KEY: required when NODE_ENV=production (base64 of at least 32 random bytes)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(raw.DATA_DIR);
  return {
    ...raw,
    DATA_DIR: dataDir,
    DEV_LOGIN: raw.DEV_LOGIN ?? !isProduction,
    EMBEDDED_DB_FILE: resolve(raw.EMBEDDED_DB_FILE ?? resolve(dataDir, 'kemai.mv.db')),
    PUBLIC_URL: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    isProduction,
  };
}

/** The configuration as it may be logged: secrets replaced by a mark. */
export function describeConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, secretKeys.has(key) && value !== undefined ? '[secret]' : value]),
  );
}
