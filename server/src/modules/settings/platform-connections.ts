// Platform connections for the settings page: which chat platforms are configured (the ids, never
// the secrets: those live only in config), a test that fetches a fresh access token, and the
// outcome of the last organisation sync.
import type { Config } from '../../../../config/index.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { notFound } from '../../core/errors.ts';
import { settingEntityId, type AuditService, type ClientInfo } from '../audit/audit.service.ts';
import type { SettingsModel } from './settings.model.ts';

const lastSyncKey = 'status.orgSync';

interface Connection {
  checkConnection(): Promise<void>;
}

export interface PlatformConnectionDeps {
  config: Config;
  wecom: Connection | null;
  dingtalk: Connection | null;
  /** whether DingTalk's Stream gateway is connected now (null without DingTalk) */
  streamConnected: () => boolean | null;
  settings: SettingsModel;
  audit: AuditService;
  clock: Clock;
}

export class PlatformConnectionService {
  private readonly deps: PlatformConnectionDeps;

  constructor(deps: PlatformConnectionDeps) {
    this.deps = deps;
  }

  async list(scope: RequestScope) {
    scope.require('settings.manage');
    const c = this.deps.config;
    const lastSync = (await this.deps.settings.findById(lastSyncKey).lean())?.value ?? null;
    return {
      cardPlatform: c.CARD_PLATFORM,
      lastSync,
      items: [
        {
          platform: 'wecom' as const,
          configured: this.deps.wecom !== null,
          ids: { corpId: c.WECOM_CORP_ID ?? null, agentId: c.WECOM_AGENT_ID ?? null },
          secretSet: !!c.WECOM_SECRET,
          callbackConfigured: !!(c.WECOM_TOKEN && c.WECOM_ENCODING_AES_KEY),
          callbackUrl: c.PUBLIC_URL ? `${c.PUBLIC_URL}/api/platform/wecom/callback` : null,
        },
        {
          platform: 'dingtalk' as const,
          configured: this.deps.dingtalk !== null,
          ids: { clientId: c.DINGTALK_CLIENT_ID ?? null, corpId: c.DINGTALK_CORP_ID ?? null, robotCode: c.DINGTALK_ROBOT_CODE ?? c.DINGTALK_CLIENT_ID ?? null },
          secretSet: !!c.DINGTALK_CLIENT_SECRET,
          streamConnected: this.deps.streamConnected(),
        },
      ],
    };
  }

  /** Fetches a fresh access token from the platform; the answer says what went wrong, never a secret. */
  async test(scope: RequestScope, platform: string, client: ClientInfo) {
    scope.require('settings.manage');
    const connection = platform === 'wecom' ? this.deps.wecom : platform === 'dingtalk' ? this.deps.dingtalk : undefined;
    if (connection === undefined) throw notFound();
    if (connection === null) return { platform, ok: false, error: 'notConfigured' };
    const started = Date.now();
    let outcome: { ok: boolean; error?: string };
    try {
      await connection.checkConnection();
      outcome = { ok: true };
    } catch (error) {
      // platform errors name their errcode and message; network errors their kind (a timeout, a refused connection)
      outcome = { ok: false, error: String((error as Error).message ?? error).slice(0, 200) };
    }
    await this.deps.audit.record(scope, client, [{ action: 'platform.test', entity: 'platform', entityId: settingEntityId(`platform.${platform}`), details: { platform, ok: outcome.ok } }]);
    return { platform, ...outcome, ms: Date.now() - started };
  }

  /** Called after each organisation sync (job or button). */
  async recordSync(result: { ok: boolean; at?: Date; departments?: number; created?: number; updated?: number; deactivated?: number; error?: string }): Promise<void> {
    await this.deps.settings.updateOne({ _id: lastSyncKey }, { $set: { value: { ...result, at: result.at ?? this.deps.clock.now() }, updatedAt: this.deps.clock.now() } }, { upsert: true });
  }
}

