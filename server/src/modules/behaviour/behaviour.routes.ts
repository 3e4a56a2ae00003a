import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import type { KemaiContext, KemaiState } from '../../core/http/context.ts';
import { readRawBody } from '../../core/http/raw-body.ts';
import { parseInput } from '../../core/http/validate.ts';
import { siteBody, trackBody, type BehaviourService } from './behaviour.service.ts';
import { trackingSnippet } from './snippet.ts';

/** Beacons arrive as text/plain JSON (no preflight); the JSON body parser leaves them to us. */
async function textBody(ctx: KemaiContext, limitBytes: number): Promise<unknown> {
  if (ctx.request.body && typeof ctx.request.body === 'object' && Object.keys(ctx.request.body).length) return ctx.request.body;
  const text = await readRawBody(ctx, limitBytes);
  if (text === null) throw new AppError('VALIDATION', { status: 413, details: [{ path: 'body', message: 'too large' }] });
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION', { details: [{ path: 'body', message: 'not JSON' }] });
  }
}

export function behaviourRoutes(behaviour: BehaviourService): Router<KemaiState> {
  const router = new Router<KemaiState>();

  router.get('/track/snippet.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    // served to other sites' pages
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    ctx.body = trackingSnippet;
  });

  /** Public: a site's events. Wrong key or origin → 403, too fast → 429; nothing is stored then. */
  router.post('/track', async (ctx) => {
    const input = parseInput(trackBody, await textBody(ctx, 32 * 1024), ctx.state.locale);
    const origin = ctx.get('Origin') || undefined;
    const site = await behaviour.siteFor(input.key, origin);
    if (!site) throw new AppError('FORBIDDEN');
    ctx.set('Access-Control-Allow-Origin', origin!);
    ctx.set('Vary', 'Origin');
    if (!(await behaviour.withinRate(site, ctx.ip, input.events.length))) throw new AppError('RATE_LIMITED');
    ctx.body = await behaviour.ingest(site, input);
  });

  router.get('/tracking-sites', requireAuth(), async (ctx) => {
    ctx.body = { items: await behaviour.sites(scopeOf(ctx.state)) };
  });
  router.post('/tracking-sites', requireAuth(), async (ctx) => {
    const input = parseInput(siteBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await behaviour.createSite(scopeOf(ctx.state), input);
  });
  router.get('/customers/:id/behaviour', requireAuth(), async (ctx) => {
    ctx.body = await behaviour.forCustomer(scopeOf(ctx.state), ctx.params.id!);
  });
  /** The id to put in a campaign link to this customer (?kmlid=…). */
  router.post('/customers/:id/track-link', requireAuth(), async (ctx) => {
    ctx.body = { linkId: await behaviour.linkId(scopeOf(ctx.state), ctx.params.id!) };
  });
  return router;
}
