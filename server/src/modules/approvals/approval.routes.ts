import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { amendContractBody } from '../contracts/contract.input.ts';
import { approvalFlowBody } from './approval-flow.model.ts';
import type { ApprovalService } from './approval.service.ts';
import type { SettingChange } from '../audit/setting-change.ts';

const limit = z.coerce.number().int().min(1).max(100).default(20);

export function approvalRoutes(approvals: ApprovalService, audited: SettingChange): Router<KemaiState> {
  const router = new Router<KemaiState>();
  // before /approvals/:id, which would otherwise take "delegation" for an id
  router.get('/approvals/delegation', requireAuth(), async (ctx) => {
    ctx.body = await approvals.delegation(scopeOf(ctx.state));
  });
  router.put('/approvals/delegation', requireAuth(), async (ctx) => {
    const input = parseInput(
      z.object({ toUserId: z.string().regex(/^[0-9a-f]{24}$/i), until: z.iso.datetime({ offset: true }).transform((v) => new Date(v)) }).strict(),
      ctx.request.body,
      ctx.state.locale,
    );
    ctx.body = await approvals.setDelegation(scopeOf(ctx.state), input);
  });
  router.delete('/approvals/delegation', requireAuth(), async (ctx) => {
    ctx.body = await approvals.setDelegation(scopeOf(ctx.state), null);
  });
  router.get('/approvals', requireAuth(), async (ctx) => {
    const query = parseInput(z.object({ box: z.enum(['todo', 'mine', 'done']).default('todo'), limit, cursor: z.string().max(200).optional() }).strict(), ctx.query, ctx.state.locale);
    ctx.body = await approvals.inbox(scopeOf(ctx.state), query.box, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  });
  router.get('/approvals/:id', requireAuth(), async (ctx) => {
    ctx.body = await approvals.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.post('/approvals/:id/decision', requireAuth(), async (ctx) => {
    const input = parseInput(z.object({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(1000).optional() }).strict(), ctx.request.body, ctx.state.locale);
    const scope = scopeOf(ctx.state);
    // only someone who may see the request decides it; the service checks they are on the step
    await approvals.find(scope, ctx.params.id!);
    const result = await approvals.decide(scope.user.id, ctx.params.id!, input.decision, { ...(input.comment ? { comment: input.comment } : {}), via: 'app' });
    // a decision that came too late changes nothing; the current state comes back with the error
    if (result.outcome === 'stale') throw new AppError('CONFLICT', { messageKey: 'error.approval.notPending', details: await approvals.view(result.approval) });
    ctx.body = await approvals.get(scope, ctx.params.id!);
  });
  router.post('/approvals/:id/withdraw', requireAuth(), async (ctx) => {
    ctx.body = await approvals.withdraw(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx));
  });
  router.post('/contracts/:id/submit', requireAuth(), async (ctx) => {
    ctx.status = 201;
    ctx.body = await approvals.submit(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx));
  });
  router.post('/contracts/:id/amendments', requireAuth(), async (ctx) => {
    const input = parseInput(amendContractBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await approvals.amend(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });
  router.get('/contracts/:id/approvals', requireAuth(), async (ctx) => {
    ctx.body = { items: await approvals.trail(scopeOf(ctx.state), ctx.params.id!) };
  });
  router.get('/approval-flow', requireAuth(), async (ctx) => {
    scopeOf(ctx.state).require('settings.manage');
    ctx.body = await approvals.flow();
  });
  router.put('/approval-flow', requireAuth(), async (ctx) => {
    const input = parseInput(approvalFlowBody, ctx.request.body, ctx.state.locale);
    ctx.body = await audited(ctx, 'approvalFlow', () => approvals.flow(), () => approvals.saveFlow(scopeOf(ctx.state), input));
  });
  return router;
}
