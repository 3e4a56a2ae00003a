// Serves the built H5 app (h5/dist) at / when it exists: hashed assets cached for a year,
// index.html never cached, and client-side routes answered with index.html.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Middleware } from 'koa';
import serve from 'koa-static';

export function staticApp(distDir: string): Middleware | null {
  const index = join(distDir, 'index.html');
  if (!existsSync(index)) return null;
  const files = serve(distDir, {
    index: 'index.html',
    setHeaders(res, path) {
      const hashed = /[\\/]assets[\\/]/.test(path);
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const fallback = serve(distDir, { index: 'index.html', setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') });
  return async (ctx, next) => {
    if (ctx.path.startsWith('/api/') || ctx.path === '/api' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    await files(ctx, async () => undefined);
    if (ctx.body != null || ctx.status !== 404) return;
    if (ctx.accepts('html') && !/\.[a-z0-9]+$/i.test(ctx.path)) {
      ctx.path = '/';
      await fallback(ctx, async () => undefined);
      return;
    }
    await next();
  };
}
