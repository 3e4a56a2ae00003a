import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { RateLimiter } from '../../core/db/rate-limit.ts';
import { isAppError } from '../../core/errors.ts';
import type { KemaiContext, KemaiState } from '../../core/http/context.ts';
import { readRawBody } from '../../core/http/raw-body.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { assignmentRulesBody, leadFormBody, type LeadForm } from './lead.model.ts';
import { leadBody, type LeadService } from './lead.service.ts';
import type { SettingChange } from '../audit/setting-change.ts';

export function leadRoutes(leads: LeadService, audited: SettingChange): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.post('/leads', requireAuth(), async (ctx) => {
    const input = parseInput(leadBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await leads.add(scopeOf(ctx.state), input, requestMeta(ctx).client.via === 'h5' ? 'h5' : 'api');
  });
  router.get('/leads', requireAuth(), async (ctx) => {
    const query = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(), ctx.query, ctx.state.locale);
    ctx.body = { items: await leads.list(scopeOf(ctx.state), query.limit) };
  });
  router.get('/lead-rules', requireAuth(), async (ctx) => {
    scopeOf(ctx.state).require('settings.manage');
    ctx.body = { rules: await leads.rules() };
  });
  router.put('/lead-rules', requireAuth(), async (ctx) => {
    const input = parseInput(assignmentRulesBody, ctx.request.body, ctx.state.locale);
    ctx.body = { rules: await audited(ctx, 'leadRules', () => leads.rules(), () => leads.saveRules(scopeOf(ctx.state), input.rules)) };
  });
  router.get('/lead-forms', requireAuth(), async (ctx) => {
    ctx.body = { items: await leads.forms(scopeOf(ctx.state)) };
  });
  router.post('/lead-forms', requireAuth(), async (ctx) => {
    const input = parseInput(leadFormBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await leads.createForm(scopeOf(ctx.state), input);
  });
  return router;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The form as a small mobile page: no script, no captcha; a hidden field catches bots. */
function page(form: LeadForm, values: Record<string, string> = {}, error = ''): string {
  const fields = form.fields
    .map((f) => {
      const type = f.key === 'phone' ? 'tel' : f.key === 'email' ? 'email' : 'text';
      const input =
        f.key === 'notes'
          ? `<textarea name="notes" rows="3">${escape(values.notes ?? '')}</textarea>`
          : `<input name="${f.key}" type="${type}" value="${escape(values[f.key] ?? '')}"${f.required ? ' required' : ''}>`;
      return `<label>${escape(f.label)}${f.required ? ' *' : ''}${input}</label>`;
    })
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(form.title)}</title>
<style>body{font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f7f8fa}main{max-width:480px;margin:0 auto;padding:20px}h1{font-size:20px}label{display:block;margin:12px 0;color:#323233}input,textarea{display:block;width:100%;box-sizing:border-box;margin-top:4px;padding:10px;border:1px solid #dcdee0;border-radius:6px;font:inherit}.trap{position:absolute;left:-9999px}button{width:100%;padding:12px;border:0;border-radius:6px;background:#1989fa;color:#fff;font:inherit}.error{color:#ee0a24}</style></head>
<body><main><h1>${escape(form.title)}</h1>${form.intro ? `<p>${escape(form.intro)}</p>` : ''}${error ? `<p class="error">${escape(error)}</p>` : ''}
<form method="post"><div class="trap" aria-hidden="true"><label>网站<input name="website" tabindex="-1" autocomplete="off"></label></div>${fields}<button type="submit">提交</button></form></main></body></html>`;
}

const thanks = (form: LeadForm) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(form.title)}</title><style>body{font:16px/1.5 sans-serif;text-align:center;padding:60px 20px;color:#323233}</style></head><body><h1>提交成功</h1><p>感谢您的关注，我们会尽快与您联系。</p></body></html>`;

async function formBody(ctx: KemaiContext): Promise<Record<string, string>> {
  if (ctx.request.body && typeof ctx.request.body === 'object' && Object.keys(ctx.request.body).length) return ctx.request.body as Record<string, string>;
  // an oversized post is read as empty: the page then asks for the required fields again
  return Object.fromEntries(new URLSearchParams((await readRawBody(ctx, 16 * 1024)) ?? ''));
}

/** Public lead forms (/f/:formId): anyone may open and submit them, a few times a minute per address. */
export function publicFormRoutes(deps: { leads: LeadService; limiter: RateLimiter; perMinute: number }): Router<KemaiState> {
  const router = new Router<KemaiState>({ prefix: '/f' });
  const html = (ctx: KemaiContext, status: number, body: string) => {
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  router.get('/:formId', async (ctx) => {
    const form = await deps.leads.activeForm(ctx.params.formId!);
    if (!form) return html(ctx, 404, '<!doctype html><meta charset="utf-8"><p style="font:16px sans-serif;padding:24px">表单不存在或已停用。</p>');
    html(ctx, 200, page(form));
  });
  router.post('/:formId', async (ctx) => {
    const form = await deps.leads.activeForm(ctx.params.formId!);
    if (!form) return html(ctx, 404, '<!doctype html><meta charset="utf-8"><p>表单不存在或已停用。</p>');
    const values = await formBody(ctx);
    if (!(await deps.limiter.allow(`form:${form._id.toHexString()}:${ctx.ip}`, deps.perMinute))) return html(ctx, 429, page(form, values, '提交过于频繁，请稍后再试。'));
    // a bot fills the hidden field: it is told all went well and nothing is stored
    if (values.website) return html(ctx, 200, thanks(form));
    const missing = form.fields.find((f) => f.required && !values[f.key]?.trim());
    if (missing) return html(ctx, 400, page(form, values, `请填写${missing.label}`));
    const picked = Object.fromEntries(form.fields.map((f) => [f.key, values[f.key]?.trim()]).filter(([, v]) => v));
    const parsed = leadBody.safeParse({ name: picked.name ?? picked.company ?? picked.phone ?? picked.email, ...picked, ...(form.campaignId ? { campaignId: form.campaignId.toHexString() } : {}) });
    if (!parsed.success) return html(ctx, 400, page(form, values, '请检查填写的内容（电话或邮箱至少填一项）。'));
    try {
      await deps.leads.capture(parsed.data, { source: 'form', formId: form._id });
    } catch (error) {
      if (isAppError(error) && error.status < 500) return html(ctx, 400, page(form, values, '请检查填写的内容。'));
      throw error;
    }
    html(ctx, 200, thanks(form));
  });
  return router;
}
