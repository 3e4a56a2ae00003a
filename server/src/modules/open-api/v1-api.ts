// One helper both mounts a /api/v1 route on Koa and registers it in the OpenAPI document, from the
// same zod schemas that parse its input: the documentation cannot drift from what the route does.
import Router from '@koa/router';
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import type { KemaiContext, KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { ApiAccess, ApiResource } from '../api-tokens/api-token.input.ts';
import { requireGrant } from './authenticate.ts';
import { errorBody } from './schemas.ts';

export const v1Prefix = '/api/v1';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface V1RouteSpec<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined> {
  method: Method;
  /** Koa style, below /api/v1: `/customers/:id` */
  path: string;
  resource: ApiResource;
  access: ApiAccess;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** the body as documented, when the parser is looser on purpose (bulk: each record fails alone) */
  documentedBody?: z.ZodType;
  /** documented request headers (e.g. If-Match) */
  headers?: AnyObject;
  /** the success statuses and the body each answers with */
  responses: Record<number, { description: string; schema: z.ZodType }>;
}

export interface V1Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** Errors every v1 operation may answer, documented once. */
const errorResponses: Record<number, string> = {
  400: 'VALIDATION: the input breaks the schema or the data-entry standards',
  401: 'UNAUTHENTICATED: no valid API token',
  403: 'FORBIDDEN: the token (or its user) lacks the right',
  404: 'NOT_FOUND: no such record within the token\'s scope',
  409: 'CONFLICT / DUPLICATE: a stale version, or a record that already exists',
  429: 'RATE_LIMITED: too many requests for this token; see Retry-After',
};

const openApiPath = (path: string) => v1Prefix + path.replace(/:(\w+)/g, '{$1}');

export class V1Api {
  readonly router = new Router<KemaiState>({ prefix: v1Prefix });
  readonly registry = new OpenAPIRegistry();
  private readonly authenticate: Middleware<KemaiState>;

  constructor(authenticate: Middleware<KemaiState>) {
    this.authenticate = authenticate;
    this.registry.registerComponent('securitySchemes', 'bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'An API token (kmt_…) created by an administrator at /api/api-tokens',
    });
  }

  route<P extends AnyObject | undefined = undefined, Q extends AnyObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
    spec: V1RouteSpec<P, Q, B>,
    handler: (ctx: KemaiContext & { params: Record<string, string> }, input: V1Input<Out<P>, Out<Q>, Out<B>>) => Promise<unknown>,
  ): void {
    const [okStatus] = Object.keys(spec.responses).map(Number);
    this.router[spec.method](spec.path, this.authenticate, requireGrant(spec.resource, spec.access), async (ctx) => {
      const locale = ctx.state.locale;
      const input = {
        params: (spec.params ? parseInput(spec.params, ctx.params, locale) : undefined) as Out<P>,
        query: (spec.query ? parseInput(spec.query, ctx.query, locale) : undefined) as Out<Q>,
        body: (spec.body ? parseInput(spec.body, ctx.request.body ?? {}, locale) : undefined) as Out<B>,
      };
      ctx.status = okStatus ?? 200;
      const body = await handler(ctx as KemaiContext & { params: Record<string, string> }, input);
      if (body !== undefined) ctx.body = body;
    });
    const request: RouteConfig['request'] = {};
    if (spec.params) request.params = spec.params;
    if (spec.query) request.query = spec.query;
    if (spec.headers) request.headers = spec.headers;
    if (spec.body) request.body = { required: true, content: { 'application/json': { schema: spec.documentedBody ?? spec.body } } };
    const responses: RouteConfig['responses'] = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = { description: response.description, content: { 'application/json': { schema: response.schema } } };
    }
    for (const [status, description] of Object.entries(errorResponses)) {
      responses[status] = { description, content: { 'application/json': { schema: errorBody } } };
    }
    this.registry.registerPath({
      method: spec.method,
      path: openApiPath(spec.path),
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.resource],
      security: [{ bearer: [] }],
      'x-kemai-access': `${spec.resource}:${spec.access}`,
      request,
      responses,
    } as RouteConfig);
  }
}
