import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { notFound } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import type { SettingChange } from '../audit/setting-change.ts';
import type { PlatformConnectionService } from './platform-connections.ts';
import { settingsSections, type SettingsSection, type SettingsService } from './settings.service.ts';

function section(name: string | undefined): SettingsSection {
  if (!name || !(name in settingsSections)) throw notFound();
  return name as SettingsSection;
}

export function settingsRoutes(service: SettingsService, connections: PlatformConnectionService, audited: SettingChange): Router<KemaiState> {
  const router = new Router<KemaiState>();
  /** the chat platforms' connections: configured ids, the Stream's state, the last organisation sync */
  router.get('/platform-connections', requireAuth(), async (ctx) => {
    ctx.body = await connections.list(scopeOf(ctx.state));
  });
  router.post('/platform-connections/:platform/test', requireAuth(), async (ctx) => {
    ctx.body = await connections.test(scopeOf(ctx.state), ctx.params.platform!, requestMeta(ctx).client);
  });
  router.get('/settings/:section', requireAuth(), async (ctx) => {
    ctx.body = await service.get(section(ctx.params.section));
  });
  router.put('/settings/:section', requireAuth(), async (ctx) => {
    const name = section(ctx.params.section);
    const value = parseInput(settingsSections[name], ctx.request.body, ctx.state.locale);
    ctx.body = await audited(ctx, `settings.${name}`, () => service.get(name), () => service.set(scopeOf(ctx.state), name, value));
  });
  return router;
}
