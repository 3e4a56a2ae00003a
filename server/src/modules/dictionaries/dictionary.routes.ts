import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { notFound } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { dictionaryTypes, type DictionaryType } from './defaults.ts';
import type { DictionaryService } from './dictionary.service.ts';
import type { SettingChange } from '../audit/setting-change.ts';

const entriesBody = z
  .object({
    entries: z
      .array(
        z
          .object({
            value: z.string().trim().min(1).max(50),
            label: z.object({ zh: z.string().trim().min(1).max(50), en: z.string().trim().min(1).max(80) }).strict(),
            active: z.boolean().default(true),
            synonyms: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict();

function typeParam(value: string | undefined): DictionaryType {
  if (!dictionaryTypes.includes(value as DictionaryType)) throw notFound();
  return value as DictionaryType;
}

export function dictionaryRoutes(service: DictionaryService, audited: SettingChange): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/dictionaries', requireAuth(), async (ctx) => {
    ctx.body = { items: await service.list() };
  });
  router.get('/dictionaries/:type', requireAuth(), async (ctx) => {
    ctx.body = await service.get(typeParam(ctx.params.type));
  });
  router.put('/dictionaries/:type', requireAuth(), async (ctx) => {
    const type = typeParam(ctx.params.type);
    const { entries } = parseInput(entriesBody, ctx.request.body, ctx.state.locale);
    ctx.body = await audited(ctx, `dictionary.${type}`, () => service.get(type), () =>
      service.replaceEntries(scopeOf(ctx.state), type, entries.map((e) => ({ ...e, order: 0 }))),
    );
  });
  return router;
}
