// Audits a change of company configuration made through a route: the value before, the value the
// write returns, who and from which client. Used by every settings route (pool limits,
// dictionaries, rules, the approval flow, lead assignment rules).
import { scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiContext } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import type { AuditService } from './audit.service.ts';

export type SettingChange = <T>(ctx: KemaiContext, key: string, read: () => Promise<unknown>, write: () => Promise<T>) => Promise<T>;

export function settingChange(audit: AuditService): SettingChange {
  return async (ctx, key, read, write) => {
    const scope = scopeOf(ctx.state);
    const before = await read();
    const after = await write(); // the service checks the permission; a refused write records nothing
    await audit.recordSetting(scope, requestMeta(ctx).client, key, before, after);
    return after;
  };
}
