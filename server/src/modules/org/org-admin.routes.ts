import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createDepartmentBody, createUserBody, handoverBody, renameDepartmentBody, updateUserBody } from './org-admin.input.ts';
import type { OrgAdminService } from './org-admin.service.ts';

/** Users and departments for admins (settings.manage), and the handover of a leaving person's work. */
export function orgAdminRoutes(admin: OrgAdminService): Router<KemaiState> {
  const router = new Router<KemaiState>({ prefix: '/org' });
  router.get('/users', requireAuth(), async (ctx) => {
    ctx.body = await admin.users(scopeOf(ctx.state));
  });
  router.post('/users', requireAuth(), async (ctx) => {
    const input = parseInput(createUserBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await admin.createUser(scopeOf(ctx.state), input, requestMeta(ctx));
  });
  router.patch('/users/:id', requireAuth(), async (ctx) => {
    const input = parseInput(updateUserBody, ctx.request.body, ctx.state.locale);
    ctx.body = await admin.updateUser(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });
  router.post('/users/:id/handover', requireAuth(), async (ctx) => {
    const { toUserId } = parseInput(handoverBody, ctx.request.body, ctx.state.locale);
    ctx.body = await admin.handover(scopeOf(ctx.state), ctx.params.id!, toUserId, requestMeta(ctx));
  });
  router.get('/departments', requireAuth(), async (ctx) => {
    ctx.body = await admin.departmentTree(scopeOf(ctx.state));
  });
  router.post('/departments', requireAuth(), async (ctx) => {
    const input = parseInput(createDepartmentBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await admin.createDepartment(scopeOf(ctx.state), input, requestMeta(ctx));
  });
  router.patch('/departments/:id', requireAuth(), async (ctx) => {
    const { name } = parseInput(renameDepartmentBody, ctx.request.body, ctx.state.locale);
    ctx.body = await admin.renameDepartment(scopeOf(ctx.state), ctx.params.id!, name, requestMeta(ctx));
  });
  return router;
}
