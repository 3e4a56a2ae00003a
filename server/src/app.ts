// Builds the Koa app and its services from explicit dependencies. Starts nothing: main.ts listens
// and starts jobs; tests build the app the same way against their own database.
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Connection } from 'mongoose';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/index.ts';
import { identify } from './core/auth/authenticator.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { pingDatabase } from './core/db/connect.ts';
import { AppError } from './core/errors.ts';
import type { KemaiState } from './core/http/context.ts';
import { errorHandler } from './core/http/errors.ts';
import { requestContext } from './core/http/request-context.ts';
import { securityHeaders } from './core/http/security.ts';
import { staticApp } from './core/http/static-app.ts';
import type { Logger } from './core/logger.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { AuthService } from './modules/auth/auth.service.ts';
import { defineSessionModel } from './modules/auth/session.model.ts';
import { healthRoutes, type ReadinessCheck } from './modules/health/health.routes.ts';
import { defineDepartmentModel } from './modules/org/department.model.ts';
import { OrgService } from './modules/org/org.service.ts';
import { defineUserModel } from './modules/org/user.model.ts';

export const defaultH5Dist = fileURLToPath(new URL('../../h5/dist', import.meta.url));

export interface AppDeps {
  config: Config;
  logger: Logger;
  connection: Connection;
  sessionSecret: string;
  clock?: Clock;
  h5DistDir?: string;
  /** extra readiness checks (e.g. a platform connection), shown in /readyz */
  readinessChecks?: Record<string, ReadinessCheck>;
}

export function buildModels(connection: Connection) {
  return {
    departments: defineDepartmentModel(connection),
    users: defineUserModel(connection),
    sessions: defineSessionModel(connection),
  };
}

export type Models = ReturnType<typeof buildModels>;

export function buildServices(models: Models, deps: Pick<AppDeps, 'config' | 'sessionSecret' | 'clock'>) {
  const clock = deps.clock ?? systemClock;
  const org = new OrgService({ departments: models.departments, users: models.users });
  const auth = new AuthService({
    sessions: models.sessions,
    org,
    clock,
    secret: deps.sessionSecret,
    ttlHours: deps.config.SESSION_TTL_HOURS,
  });
  return { clock, org, auth };
}

export type Services = ReturnType<typeof buildServices>;

export interface KemaiApp {
  koa: Koa<KemaiState>;
  models: Models;
  services: Services;
  /** creates every declared index; awaited before the server takes traffic */
  ensureIndexes(): Promise<void>;
  /** from now on /readyz answers 503 so load balancers stop sending traffic */
  markShuttingDown(): void;
}

export function buildApp(deps: AppDeps): KemaiApp {
  const models = buildModels(deps.connection);
  const services = buildServices(models, deps);
  let shuttingDown = false;

  const koa = new Koa<KemaiState>({ proxy: deps.config.TRUST_PROXY });
  koa.silent = true; // errors are logged by our handler, with the request id

  const api = new Router<KemaiState>({ prefix: '/api' });
  const auth = authRoutes({ auth: services.auth, org: services.org, devLogin: deps.config.DEV_LOGIN });
  api.use(auth.routes(), auth.allowedMethods());
  api.all('/{*rest}', () => {
    throw new AppError('NOT_FOUND', { messageKey: 'error.route.notFound' });
  });

  const health = healthRoutes({
    checks: { database: () => pingDatabase(deps.connection), ...deps.readinessChecks },
    isShuttingDown: () => shuttingDown,
  });

  koa.use(requestContext(deps.logger));
  koa.use(errorHandler());
  koa.use(securityHeaders());
  koa.use(health.routes());
  koa.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: `${deps.config.BODY_LIMIT_KB}kb`,
      onError: (error) => {
        throw error; // handled by errorHandler: 413 or invalid JSON, as VALIDATION
      },
    }),
  );
  koa.use(identify(services.auth));
  koa.use(api.routes());
  koa.use(api.allowedMethods({ throw: true }));
  const app = staticApp(deps.h5DistDir ?? defaultH5Dist);
  if (app) koa.use(app);

  return {
    koa,
    models,
    services,
    async ensureIndexes() {
      await Promise.all(Object.values(models).map((model) => model.createIndexes()));
    },
    markShuttingDown() {
      shuttingDown = true;
    },
  };
}
