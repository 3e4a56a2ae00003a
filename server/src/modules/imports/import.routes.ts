import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { Logger } from '../../core/logger.ts';
import { readUpload } from '../files/file.routes.ts';
import { importFields } from './header-mapping.ts';
import type { ImportService } from './import.service.ts';
import { writeResultFile } from './result-file.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const settingsBody = z
  .object({
    mapping: z.record(z.string().regex(/^\d{1,4}$/), z.union([z.enum(importFields), z.literal('')])).optional(),
    ownerMap: z.record(z.string().max(50), objectId).optional(),
    defaultOwnerId: objectId.optional(),
    saveMappingAs: z.string().trim().min(1).max(50).optional(),
  })
  .strict();
const rowsQuery = z.object({
  filter: z.enum(['all', 'invalid', 'warnings', 'duplicates']).default('all'),
  after: z.coerce.number().int().min(-1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const decisionsBody = z
  .object({
    decisions: z.record(
      z.string().regex(/^g\d+$/),
      z.object({ action: z.enum(['create', 'skip', 'merge']), targetId: objectId.optional() }).strict(),
    ),
  })
  .strict();

export function importRoutes(imports: ImportService, logger: Logger): Router<KemaiState> {
  const router = new Router<KemaiState>();
  // the worker runs in the background of the request that gave it work; a job picks up the rest
  const kick = () => void imports.work().catch((error: unknown) => logger.error({ err: error }, 'import worker failed'));

  router.post('/imports', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    scope.require('customer.import');
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > imports.maxBytes + 64 * 1024) throw imports.tooLarge();
    const { content, name } = await readUpload(ctx, imports.maxBytes, () => imports.tooLarge());
    const mappingId = typeof ctx.query.mappingId === 'string' ? ctx.query.mappingId : undefined;
    ctx.status = 202;
    ctx.body = await imports.create(scope, content, name, { mappingId });
    kick();
  });
  router.get('/imports', requireAuth(), async (ctx) => {
    ctx.body = await imports.list(scopeOf(ctx.state));
  });
  router.get('/import-mappings', requireAuth(), async (ctx) => {
    ctx.body = await imports.mappings(scopeOf(ctx.state));
  });
  router.delete('/import-mappings/:id', requireAuth(), async (ctx) => {
    await imports.removeMapping(scopeOf(ctx.state), ctx.params.id!);
    ctx.status = 204;
  });
  router.get('/imports/:id', requireAuth(), async (ctx) => {
    ctx.body = await imports.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.put('/imports/:id/settings', requireAuth(), async (ctx) => {
    const body = parseInput(settingsBody, ctx.request.body, ctx.state.locale);
    ctx.body = await imports.configure(scopeOf(ctx.state), ctx.params.id!, body as Parameters<ImportService['configure']>[2]);
    kick();
  });
  router.get('/imports/:id/rows', requireAuth(), async (ctx) => {
    const query = parseInput(rowsQuery, ctx.query, ctx.state.locale);
    ctx.body = await imports.rows(scopeOf(ctx.state), ctx.params.id!, query);
  });
  router.put('/imports/:id/decisions', requireAuth(), async (ctx) => {
    const body = parseInput(decisionsBody, ctx.request.body, ctx.state.locale);
    ctx.body = await imports.decide(scopeOf(ctx.state), ctx.params.id!, body.decisions);
  });
  router.post('/imports/:id/commit', requireAuth(), async (ctx) => {
    ctx.body = await imports.commit(scopeOf(ctx.state), ctx.params.id!);
    kick();
  });
  router.get('/imports/:id/result.xlsx', requireAuth(), async (ctx) => {
    const rows = imports.resultRows(scopeOf(ctx.state), ctx.params.id!);
    const first = await rows.next(); // the access check runs before anything is sent
    async function* all() {
      if (!first.done) yield first.value;
      yield* rows;
    }
    ctx.set('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    ctx.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent('导入结果.xlsx')}`);
    ctx.body = writeResultFile(all(), ctx.state.locale);
  });
  return router;
}
