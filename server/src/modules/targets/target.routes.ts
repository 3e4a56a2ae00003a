import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { setTargetBody, type TargetService } from './target.service.ts';

export function targetRoutes(targets: TargetService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.put('/targets', requireAuth(), async (ctx) => {
    const input = parseInput(setTargetBody, ctx.request.body, ctx.state.locale);
    ctx.body = await targets.set(scopeOf(ctx.state), input);
  });
  /** `?subject=user&subjectId=…&period=2026-11|2026-Q4|2026`; without a subject, the caller's own */
  router.get('/targets/progress', requireAuth(), async (ctx) => {
    const query = parseInput(
      z
        .object({
          subject: z.enum(['user', 'department']).default('user'),
          subjectId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
          period: z.string().max(10),
        })
        .strict(),
      ctx.query,
      ctx.state.locale,
    );
    const scope = scopeOf(ctx.state);
    ctx.body = await targets.progress(scope, query.subject, query.subjectId ?? scope.user.id, query.period);
  });
  return router;
}
