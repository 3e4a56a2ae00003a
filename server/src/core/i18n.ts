// Messages shown to users, in zh-CN (the default) and en. Codes are stable; texts may change.
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'zh-CN';

type Catalogue = Record<string, string>;

const zhCN: Catalogue = {
  'error.VALIDATION': '请求参数有误',
  'error.UNAUTHENTICATED': '请先登录',
  'error.FORBIDDEN': '没有权限执行此操作',
  'error.NOT_FOUND': '记录不存在或无权查看',
  'error.CONFLICT': '操作冲突，请刷新后重试',
  'error.DUPLICATE': '存在重复记录',
  'error.GONE': '记录已按保留期限清除',
  'error.RATE_LIMITED': '操作过于频繁，请稍后再试',
  'error.INTERNAL': '服务器内部错误，请稍后再试',
  'error.SERVICE_UNAVAILABLE': '服务暂时不可用，请稍后重试',
  'error.body.tooLarge': '请求内容过大',
  'error.body.invalidJson': '请求内容不是有效的 JSON',
  'error.route.notFound': '接口不存在',
  'error.session.invalid': '登录已失效，请重新登录',
  'error.devLogin.unknownUser': '用户不存在或已停用',
  'error.db.unavailable': '数据库暂不可用',
  'error.cursor.invalid': '分页参数无效',
  'error.platform.notMember': '你不是本企业成员',
  'error.platform.badCode': '登录码无效或已过期，请重新打开应用',
  'error.platform.badState': '登录已过期，请重新打开应用',
};

const en: Catalogue = {
  'error.VALIDATION': 'The request is invalid',
  'error.UNAUTHENTICATED': 'Please sign in first',
  'error.FORBIDDEN': 'You are not allowed to do this',
  'error.NOT_FOUND': 'The record does not exist or you may not see it',
  'error.CONFLICT': 'The request conflicts with a change made meanwhile; refresh and try again',
  'error.DUPLICATE': 'A matching record already exists',
  'error.GONE': 'The record was removed at the end of its retention period',
  'error.RATE_LIMITED': 'Too many requests; please try again later',
  'error.INTERNAL': 'Internal server error; please try again later',
  'error.SERVICE_UNAVAILABLE': 'The service is briefly unavailable; please try again shortly',
  'error.body.tooLarge': 'The request body is too large',
  'error.body.invalidJson': 'The request body is not valid JSON',
  'error.route.notFound': 'No such endpoint',
  'error.session.invalid': 'Your session has ended; please sign in again',
  'error.devLogin.unknownUser': 'No active user with that login',
  'error.db.unavailable': 'The database is not available',
  'error.cursor.invalid': 'The page cursor is invalid',
  'error.platform.notMember': 'You are not a member of this organisation',
  'error.platform.badCode': 'The sign-in code is invalid or expired; open the app again',
  'error.platform.badState': 'The sign-in has expired; open the app again',
};

const catalogues: Record<Locale, Catalogue> = { 'zh-CN': zhCN, en };

/** Adds a feature's messages to the catalogues (each feature owns its texts). */
export function registerMessages(messages: Record<Locale, Catalogue>): void {
  for (const locale of locales) Object.assign(catalogues[locale], messages[locale]);
}

/** `{name}` placeholders are filled from params; an unknown key falls back to the key itself. */
export function translate(key: string, locale: Locale, params: Record<string, unknown> = {}): string {
  const template = catalogues[locale][key] ?? catalogues[defaultLocale][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Picks the locale from an Accept-Language header: English only when the caller prefers it. */
export function localeFromHeader(header: string | undefined): Locale {
  if (!header) return defaultLocale;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((r) => /^\s*q=([\d.]+)/.exec(r)?.[1]).find(Boolean);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
  }
  return defaultLocale;
}
