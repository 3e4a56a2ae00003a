// The open API: /api/v1 for integrations (API tokens only), its OpenAPI document at
// /api/v1/openapi.json and a page reading it at /api/docs (both public: they describe, not disclose).
import Router from '@koa/router';
import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RateLimiter } from '../../core/db/rate-limit.ts';
import type { ExternalIdIndex } from '../../core/db/external-ids.ts';
import type { KemaiState } from '../../core/http/context.ts';
import type { ApiTokenService } from '../api-tokens/api-token.service.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { ContractService } from '../contracts/contract.service.ts';
import type { OrderService } from '../contracts/order.service.ts';
import type { PaymentService } from '../contracts/payment.service.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { FollowUpService } from '../follow-ups/follow-up.service.ts';
import type { LeadService } from '../leads/lead.service.ts';
import type { OpportunityService } from '../opportunities/opportunity.service.ts';
import type { TagService } from '../tags/tag.service.ts';
import type { TicketService } from '../tickets/ticket.service.ts';
import { tokenAuth } from './authenticate.ts';
import { contactRoutesV1 } from './contacts.v1.ts';
import { contractRoutesV1 } from './contracts.v1.ts';
import { customerRoutesV1 } from './customers.v1.ts';
import { docsPage, docsScript } from './docs-page.ts';
import { followUpRoutesV1 } from './follow-ups.v1.ts';
import { leadRoutesV1 } from './leads.v1.ts';
import { opportunityRoutesV1 } from './opportunities.v1.ts';
import { tagRoutesV1 } from './tags.v1.ts';
import { ticketRoutesV1 } from './tickets.v1.ts';
import type { ExternalEntity } from './upsert.ts';
import { V1Api } from './v1-api.ts';

export interface OpenApiDeps {
  apiTokens: ApiTokenService;
  limiter: RateLimiter;
  perMinute: number;
  externalIds: ExternalIdIndex<ExternalEntity>;
  customers: CustomerService;
  contacts: ContactService;
  followUps: FollowUpService;
  opportunities: OpportunityService;
  contracts: ContractService;
  orders: OrderService;
  payments: PaymentService;
  tickets: TicketService;
  tags: TagService;
  leads: LeadService;
}

export function openApiRoutes(deps: OpenApiDeps) {
  const api = new V1Api(tokenAuth({ tokens: deps.apiTokens, limiter: deps.limiter, perMinute: deps.perMinute }));
  const externalIds = deps.externalIds;
  customerRoutesV1(api, { customers: deps.customers, externalIds });
  contactRoutesV1(api, { contacts: deps.contacts, externalIds });
  followUpRoutesV1(api, deps.followUps);
  opportunityRoutesV1(api, { opportunities: deps.opportunities, externalIds });
  contractRoutesV1(api, { contracts: deps.contracts, orders: deps.orders, payments: deps.payments, externalIds });
  ticketRoutesV1(api, deps.tickets);
  tagRoutesV1(api, deps.tags);
  leadRoutesV1(api, deps.leads);

  // generated once: the routes are fixed when the app is built
  const document = new OpenApiGeneratorV31(api.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kemai Open API',
      version: '1.0.0',
      description: 'Customers, contacts, follow-ups, opportunities, contracts, orders, payments, tickets, tags and leads, within the scope of the token.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
  });
  api.router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  const docs = new Router<KemaiState>();
  docs.get('/api/docs', (ctx) => {
    ctx.type = 'html';
    ctx.body = docsPage;
  });
  docs.get('/api/docs/docs.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = docsScript;
  });
  return { router: api.router, docs, document };
}
