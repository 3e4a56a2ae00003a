import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, describeConfig, loadConfig, secretKeys } from '../../config/index.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration', () => {
  it('starts with defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DEV_LOGIN).toBe(true);
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
    expect(config.EMBEDDED_DB_FILE).toMatch(/data[\\/]kemai\.mv\.db$/);
    expect(config.MONGODB_URI).toBeUndefined();
  });

  it('names the key and the expectation for a bad value', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT: expected a whole number from 0 to 65535, got "abc"']);
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT: /);
    expect(problemsOf({ SESSION_TTL_HOURS: '-1' })[0]).toMatch(/^SESSION_TTL_HOURS: /);
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL: /);
    expect(problemsOf({ EMBEDDED_DB_HEAP: 'lots' })[0]).toMatch(/^EMBEDDED_DB_HEAP: /);
  });

  it('never shows a secret value, even when it is wrong', () => {
    const problems = problemsOf({ MONGODB_URI: 'postgres://user:hunter2@db/kemai', SESSION_SECRET: 'short-hunter2' });
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['MONGODB_URI', 'SESSION_SECRET']);
    const described = describeConfig(loadConfig({ SESSION_SECRET: 'x'.repeat(40), MONGODB_URI: 'mongodb://u:p@h/db' }));
    expect(JSON.stringify(described)).not.toContain('xxxxxxxx');
    expect(described.MONGODB_URI).toBe('[secret]');
  });

  it('requires a session secret in production and turns dev login off there', () => {
    expect(problemsOf({ NODE_ENV: 'production' })[0]).toMatch(/^SESSION_SECRET: required/);
    // production keeps phones and emails under its own keys, never the development ones
    expect(problemsOf({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32) })).toEqual([
      expect.stringMatching(/^FIELD_ENCRYPTION_KEYS: required/),
      expect.stringMatching(/^BLIND_INDEX_KEY: required/),
    ]);
    const keys = { FIELD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, BLIND_INDEX_KEY: Buffer.alloc(32, 2).toString('base64') };
    expect(problemsOf({ FIELD_ENCRYPTION_KEYS: 'k1:short' })[0]).toMatch(/^FIELD_ENCRYPTION_KEYS: expected id:base64/);
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), ...keys });
    expect(config.DEV_LOGIN).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), DEV_LOGIN: 'true', ...keys }).DEV_LOGIN).toBe(true);
  });

  it('reads DingTalk card templates per card kind', () => {
    expect(loadConfig({ DINGTALK_CARD_TEMPLATES: 'contractApproval=approve.schema, dailyDigest=digest.schema' }).DINGTALK_CARD_TEMPLATES).toEqual({
      contractApproval: 'approve.schema',
      dailyDigest: 'digest.schema',
    });
    expect(loadConfig({}).DINGTALK_CARD_TEMPLATES).toEqual({});
    expect(problemsOf({ DINGTALK_CARD_TEMPLATES: 'approve.schema' })[0]).toMatch(/^DINGTALK_CARD_TEMPLATES: expected kind=templateId/);
    expect(problemsOf({ CARD_PLATFORM: 'feishu' })[0]).toMatch(/^CARD_PLATFORM: /);
  });

  it('reads booleans the way people write them', () => {
    expect(loadConfig({ DEV_LOGIN: 'off' }).DEV_LOGIN).toBe(false);
    expect(loadConfig({ JOBS_ENABLED: '0' }).JOBS_ENABLED).toBe(false);
    expect(problemsOf({ DEV_LOGIN: 'maybe' })[0]).toMatch(/^DEV_LOGIN: /);
  });

  it('documents every key in config/example.env, and only those', () => {
    const example = parseEnv(readFileSync(new URL('../../config/example.env', import.meta.url), 'utf8'));
    expect(Object.keys(example).sort()).toEqual(Object.keys(configSchema.shape).sort());
    const text = readFileSync(new URL('../../config/example.env', import.meta.url), 'utf8');
    for (const key of secretKeys) {
      const lines = text.split('\n');
      const at = lines.findIndex((line) => line.startsWith(`${key}=`));
      expect(lines.slice(Math.max(0, at - 3), at).join('\n'), `${key} is marked [secret]`).toContain('[secret]');
    }
  });
});
