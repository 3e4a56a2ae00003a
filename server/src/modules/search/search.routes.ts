// GET /api/search?q=: customers and contacts by name (substring), pinyin (full or initials),
// phone (any format, or its last four digits), within the caller's scope.
import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import { searchFilter } from '../standards/index.ts';

export function searchRoutes(deps: { customers: CustomerService; contacts: ContactService }): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/search', requireAuth(), async (ctx) => {
    const { q, limit } = parseInput(
      z.object({ q: z.string().trim().min(1).max(50), limit: z.coerce.number().int().min(1).max(50).default(20) }).strict(),
      ctx.query,
      ctx.state.locale,
    );
    const scope = scopeOf(ctx.state);
    const filter = searchFilter(q);
    if (!filter) {
      ctx.body = { customers: [], contacts: [] };
      return;
    }
    const [customers, contacts] = await Promise.all([
      deps.customers.list(scope, { keyword: q, sort: 'updated', limit }),
      deps.contacts.search(scope, filter, limit),
    ]);
    ctx.body = { customers: customers.items, contacts };
  });
  return router;
}
