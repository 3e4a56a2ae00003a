// The one typed description of Kemai's configuration. Every key is read from the environment
// (or an optional .env file); `example.env` documents each of them and a test keeps the two in step.
import { isIP } from 'node:net';
import { z } from 'zod';

/** Marks a key whose value must never be printed or logged. */
function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true }) as T;
}

const boolean = () => z.stringbool({ truthy: ['1', 'true', 'yes', 'on'], falsy: ['0', 'false', 'no', 'off'] });
const flag = (fallback: boolean) => boolean().default(fallback);

const port = z.coerce
  .number({ error: 'expected a whole number from 0 to 65535' })
  .int('expected a whole number from 0 to 65535')
  .min(0, 'expected a whole number from 0 to 65535')
  .max(65535, 'expected a whole number from 0 to 65535');

const positiveInt = (fallback: number, what: string) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .positive(`expected ${what}`)
    .default(fallback);

/** A CIDR (`10.0.0.0/8`), an IP address or a host name, as WEBHOOK_ALLOW_PRIVATE_TARGETS lists them. */
function isTargetAllowance(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  if (rest.length) return false;
  const family = isIP(address);
  if (prefix !== undefined) return family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  return family !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(address);
}

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PORT: port.default(3000),
  PUBLIC_URL: z.url({ error: 'expected an absolute http(s) URL' }).optional(),
  TRUST_PROXY: flag(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().trim().min(1).default('data'),

  MONGODB_URI: secret(
    z
      .string()
      .trim()
      .regex(/^mongodb(\+srv)?:\/\/.+/, 'expected a mongodb:// or mongodb+srv:// connection string')
      .optional(),
  ),
  MONGODB_DB: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'expected a database name (letters, digits, _ and -)')
    .default('kemai'),
  EMBEDDED_DB_ENGINE: z.enum(['auto', 'mongod', 'java']).default('auto'),
  EMBEDDED_DB_FILE: z.string().trim().min(1).optional(),
  EMBEDDED_DB_HEAP: z
    .string()
    .trim()
    .regex(/^\d+[mMgG]$/, 'expected a JVM heap size such as 512m or 1g')
    .default('1g'),

  SESSION_SECRET: secret(z.string().min(32, 'expected at least 32 characters').optional()),
  /** field encryption keys, `id:base64-of-32-bytes[,id:…]`; the first encrypts, all decrypt (rotation) */
  FIELD_ENCRYPTION_KEYS: secret(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,16}:[A-Za-z0-9+/]{43}=(\s*,\s*[A-Za-z0-9]{1,16}:[A-Za-z0-9+/]{43}=)*$/, 'expected id:base64-of-32-bytes, comma-separated')
      .optional(),
  ),
  /** the key of the blind indexes (exact search, duplicate checks on encrypted phones and emails) */
  BLIND_INDEX_KEY: secret(z.string().trim().regex(/^[A-Za-z0-9+/]{43,}={0,2}$/, 'expected the base64 of at least 32 random bytes').optional()),
  SESSION_TTL_HOURS: positiveInt(168, 'a whole number of hours greater than 0'),
  // default depends on NODE_ENV: resolved in load.ts
  DEV_LOGIN: boolean().optional(),
  SEED_DEMO: flag(true),
  H5_AUTO_BUILD: flag(true),
  BODY_LIMIT_KB: positiveInt(1024, 'a whole number of kilobytes greater than 0'),
  UPLOAD_MAX_BYTES: positiveInt(10 * 1024 * 1024, 'a whole number of bytes greater than 0'),
  /** largest customer import file, and the most data rows one import may hold */
  IMPORT_MAX_BYTES: positiveInt(30 * 1024 * 1024, 'a whole number of bytes greater than 0'),
  IMPORT_MAX_ROWS: positiveInt(200_000, 'a whole number of rows greater than 0'),
  /** how long an import worker holds an import between batches; a crashed one's work is taken over after this */
  IMPORT_LEASE_MS: positiveInt(120_000, 'a whole number of milliseconds greater than 0'),
  /** how long a finished import keeps its rows (copies of the file's cells, encrypted) for its result file */
  IMPORT_ROWS_RETENTION_DAYS: positiveInt(90, 'a whole number of days above 0'),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 'a whole number of milliseconds greater than 0'),
  /** the heap's old-space limit `npm start` gives Node (package.json); read here only to check it took */
  HEAP_LIMIT_MB: positiveInt(512, 'a whole number of megabytes greater than 0'),

  /** the bearer token Prometheus sends to GET /metrics; unset: /metrics answers 404 */
  METRICS_TOKEN: secret(z.string().trim().min(16, 'expected at least 16 characters').optional()),

  JOBS_ENABLED: flag(true),
  JOBS_PROCESS_EVERY_MS: positiveInt(5_000, 'a whole number of milliseconds greater than 0'),

  WECOM_CORP_ID: optionalText,
  WECOM_AGENT_ID: optionalText,
  WECOM_SECRET: secret(optionalText),
  WECOM_TOKEN: secret(optionalText),
  WECOM_ENCODING_AES_KEY: secret(optionalText),
  WECOM_API_BASE: z.url({ error: 'expected an absolute http(s) URL' }).default('https://qyapi.weixin.qq.com'),
  WECOM_OAUTH_BASE: z.url({ error: 'expected an absolute http(s) URL' }).default('https://open.weixin.qq.com'),
  WECOM_CALLBACK_WINDOW_SECONDS: positiveInt(300, 'a whole number of seconds greater than 0'),

  DINGTALK_CLIENT_ID: optionalText,
  DINGTALK_CLIENT_SECRET: secret(optionalText),
  DINGTALK_ROBOT_CODE: optionalText,
  DINGTALK_CORP_ID: optionalText,
  DINGTALK_API_BASE: z.url({ error: 'expected an absolute http(s) URL' }).default('https://api.dingtalk.com'),
  DINGTALK_OAPI_BASE: z.url({ error: 'expected an absolute http(s) URL' }).default('https://oapi.dingtalk.com'),
  /** interactive card template (回传请求 buttons); without it cards go as markdown robot messages */
  DINGTALK_CARD_TEMPLATE_ID: optionalText,
  /** per card kind, overriding the one above: `contractApproval=approve.schema,dailyDigest=digest.schema` */
  DINGTALK_CARD_TEMPLATES: z
    .string()
    .trim()
    .default('')
    .transform((value, ctx) => {
      const templates: Record<string, string> = {};
      for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
        const match = /^([A-Za-z]+)=(\S+)$/.exec(pair);
        if (!match) {
          ctx.addIssue({ code: 'custom', message: 'expected kind=templateId pairs separated by commas' });
          return z.NEVER;
        }
        templates[match[1]!] = match[2]!;
      }
      return templates;
    }),
  /** behaviour events one address may send per site per minute (the public /api/track) */
  TRACK_RATE_PER_MINUTE: positiveInt(120, 'a whole number of events above 0'),
  /** lead form submissions one address may send per minute (the public /f/:formId) */
  FORM_RATE_PER_MINUTE: positiveInt(5, 'a whole number of submissions above 0'),
  /** sign-in attempts (dev login, WeCom and DingTalk logins) one address may make per minute */
  LOGIN_RATE_PER_MINUTE: positiveInt(30, 'a whole number of attempts above 0'),
  /** requests one open-API token (kmt_…) may make per minute on /api/v1; more answer 429 */
  API_RATE_PER_MINUTE: positiveInt(600, 'a whole number of requests above 0'),
  /** raw behaviour events older than this many days are kept only as daily counts */
  TRACK_RETENTION_DAYS: positiveInt(90, 'a whole number of days above 0'),
  /** campaign email: the SMTP server (unset: no campaign email) */
  SMTP_HOST: optionalText,
  SMTP_PORT: port.default(465),
  /** TLS from the start (465); off: STARTTLS when the server offers it (587, 25) */
  SMTP_SECURE: flag(true),
  SMTP_USER: optionalText,
  SMTP_PASS: secret(optionalText),
  SMTP_FROM: optionalText,
  /** campaign emails sent per minute at most */
  MAIL_RATE_PER_MINUTE: positiveInt(60, 'a whole number of emails above 0'),
  /** how long one process holds the campaign send queue; a crashed sender's queue is taken over after this */
  CAMPAIGN_SEND_LEASE_MS: positiveInt(300_000, 'a whole number of milliseconds greater than 0'),
  /** the most rows one export (POST /api/exports) may hold; a larger one is refused before it starts */
  EXPORT_MAX_ROWS: positiveInt(100_000, 'a whole number of rows above 0'),
  /** how long one webhook delivery may take before it counts as failed and is retried */
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000, 'a whole number of milliseconds greater than 0'),
  /**
   * Webhook targets on private, loopback or link-local addresses are refused (SSRF); these CIDRs,
   * addresses or host names are let through anyway: `10.1.2.0/24,192.168.1.5,hooks.intranet`
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z
    .string()
    .trim()
    .default('')
    .transform((value, ctx) => {
      const entries = value.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean);
      const bad = entries.filter((entry) => !isTargetAllowance(entry));
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `expected CIDRs, IP addresses or host names separated by commas (not ${bad.join(', ')})` });
        return z.NEVER;
      }
      return entries;
    }),
  /** where a person on both platforms gets cards: the one they last used, or always this one */
  CARD_PLATFORM: z.enum(['last-used', 'wecom', 'dingtalk']).default('last-used'),
});

export type RawConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof RawConfig;

/** The keys whose values are secrets, read from the schema's own marks. */
export const secretKeys: ReadonlySet<string> = new Set(
  Object.entries(configSchema.shape)
    .filter(([, schema]) => (schema as z.ZodType).meta()?.secret === true)
    .map(([key]) => key),
);
