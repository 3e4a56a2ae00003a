// POST /api/exports: answers an .xlsx download, or a JSON error before the first byte of it.
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { exportBody } from './export.input.ts';
import { xlsxContentType, type ExportService } from './export.service.ts';

export function exportRoutes(exports: ExportService): Router<KemaiState> {
  const router = new Router<KemaiState>();

  router.post('/exports', requireAuth(), async (ctx) => {
    const request = parseInput(exportBody, ctx.request.body, ctx.state.locale);
    // permission, scope, filter and the row cap are settled here, while an error can still be JSON
    const job = await exports.prepare(scopeOf(ctx.state), request, requestMeta(ctx));
    const out = new PassThrough();
    ctx.attachment(job.filename); // filename*=UTF-8''… for 客户导出-20261124.xlsx, with an ASCII fallback
    ctx.type = xlsxContentType;
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Export-Rows', String(job.rows));
    ctx.body = out;
    // Koa starts sending once this handler returns; the workbook is written as the client reads it
    const log = ctx.state.log;
    exports.write(job, out).catch((error: unknown) => {
      log.error({ err: error }, 'export failed');
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  return router;
}
