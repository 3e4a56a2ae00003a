// The dev platform's side of the H5 Messages tab: the caller's cards, and their buttons.
import Router from '@koa/router';
import { Types } from 'mongoose';
import { z } from 'zod';
import { cardView } from '../../../../bot-cards/index.ts';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { notFound } from '../../core/errors.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { EventDispatcher } from '../dispatcher.ts';
import type { OutboxEntry, OutboxModel } from './outbox.model.ts';

export function devOutboxRoutes(deps: { outbox: OutboxModel; dispatcher: EventDispatcher }): Router<KemaiState> {
  const router = new Router<KemaiState>();

  router.get('/dev/outbox', requireAuth(), async (ctx) => {
    const query = parseInput(
      z.object({ limit: z.coerce.number().int().min(1).max(50).default(20), cursor: z.string().max(200).optional() }).strict(),
      ctx.query,
      ctx.state.locale,
    );
    const userId = new Types.ObjectId(scopeOf(ctx.state).user.id);
    const position = decodeCursor(query.cursor);
    const filter = position ? { $and: [{ userId }, afterCursor('createdAt', -1, position, reviveDate)] } : { userId };
    const rows = await deps.outbox.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean<OutboxEntry[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (e) => e.createdAt);
    ctx.body = {
      items: page.map((entry) => ({
        id: entry._id.toHexString(),
        cardId: entry.card.id,
        kind: entry.card.data.kind,
        view: cardView(entry.card, ctx.state.locale),
        outcome: entry.outcome,
        createdAt: entry.createdAt,
      })),
      nextCursor,
    };
  });

  router.post('/dev/outbox/:id/action', requireAuth(), async (ctx) => {
    const { action } = parseInput(z.object({ action: z.string().regex(/^[a-zA-Z]{1,32}$/) }).strict(), ctx.request.body, ctx.state.locale);
    const userId = scopeOf(ctx.state).user.id;
    if (!Types.ObjectId.isValid(ctx.params.id!)) throw notFound();
    const entry = await deps.outbox.findOne({ _id: new Types.ObjectId(ctx.params.id!), userId: new Types.ObjectId(userId) }).lean<OutboxEntry>();
    if (!entry) throw notFound();
    const result = await deps.dispatcher.dispatch({
      type: 'card.action',
      key: `dev:${entry._id.toHexString()}:${action}`,
      platform: 'dev',
      userId,
      cardId: entry.card.id,
      action,
      params: {},
    });
    const updated = await deps.outbox.findById(entry._id).lean<OutboxEntry>();
    ctx.body = { result, outcome: updated?.outcome ?? null };
  });

  return router;
}
