// What Kemai's middleware puts on ctx.state, typed once.
import type { ParameterizedContext } from 'koa';
import type { Logger } from '../logger.ts';
import type { Locale } from '../i18n.ts';
import type { AuthContext } from '../auth/authenticator.ts';
import type { RequestScope } from '../auth/scope.ts';

export interface KemaiState {
  requestId: string;
  log: Logger;
  locale: Locale;
  auth?: AuthContext;
  scope?: RequestScope;
  /** on /api/v1: the open-API token the request came with and what it grants per resource */
  apiToken?: { id: string; name: string; permissions: Partial<Record<string, 'read' | 'write'>> };
}

export type KemaiContext = ParameterizedContext<KemaiState>;
