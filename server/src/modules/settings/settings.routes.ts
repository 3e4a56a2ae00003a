import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { notFound } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { settingsSections, type SettingsSection, type SettingsService } from './settings.service.ts';

function section(name: string | undefined): SettingsSection {
  if (!name || !(name in settingsSections)) throw notFound();
  return name as SettingsSection;
}

export function settingsRoutes(service: SettingsService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/settings/:section', requireAuth(), async (ctx) => {
    ctx.body = await service.get(section(ctx.params.section));
  });
  router.put('/settings/:section', requireAuth(), async (ctx) => {
    const name = section(ctx.params.section);
    const value = parseInput(settingsSections[name], ctx.request.body, ctx.state.locale);
    ctx.body = await service.set(scopeOf(ctx.state), name, value);
  });
  return router;
}
