import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { RuleKind } from './rule-params.ts';
import type { Rule } from './rule.model.ts';
import type { RulesService } from './rules.service.ts';
import type { SettingChange } from '../audit/setting-change.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const updateBody = z
  .object({
    enabled: z.boolean(),
    schedule: z.string().regex(/^[\d*/,\- ]{9,60}$/, 'expected a cron expression such as 0 9 * * *'),
    params: z.record(z.string(), z.unknown()),
    quietHours: z.object({ start: hhmm, end: hhmm, weekends: z.boolean() }).strict(),
  })
  .partial()
  .strict();

export function rulesRoutes(rules: RulesService, audited: SettingChange): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/rules', requireAuth(), async (ctx) => {
    scopeOf(ctx.state).require('settings.manage');
    ctx.body = { items: await rules.list() };
  });
  router.get('/rules/alerts', requireAuth(), async (ctx) => {
    const query = parseInput(
      z.object({ rule: z.string().regex(/^[a-zA-Z]{1,40}$/).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
      ctx.query,
      ctx.state.locale,
    );
    ctx.body = { items: await rules.recentAlerts(scopeOf(ctx.state), query.rule, query.limit) };
  });
  router.put('/rules/:kind', requireAuth(), async (ctx) => {
    const body = parseInput(updateBody, ctx.request.body, ctx.state.locale);
    const kind = ctx.params.kind!;
    const settingOf = ({ enabled, schedule, params, quietHours }: Rule) => ({ enabled, schedule, params, quietHours });
    ctx.body = await audited(ctx, `rule.${kind}`, async () => settingOf(await rules.get(kind)), async () => settingOf(await rules.update(scopeOf(ctx.state), kind, body)));
  });
  /** what the rule would send, to whom, and what it would reclaim, if it ran now */
  router.get('/rules/:kind/preview', requireAuth(), async (ctx) => {
    ctx.body = await rules.preview(scopeOf(ctx.state), ctx.params.kind!);
  });
  /** runs a rule now, as its schedule would (admins, to try a change) */
  router.post('/rules/:kind/run', requireAuth(), async (ctx) => {
    scopeOf(ctx.state).require('settings.manage');
    const rule = await rules.get(ctx.params.kind!);
    ctx.body = await rules.run(rule._id as RuleKind);
  });
  return router;
}

