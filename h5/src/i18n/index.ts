import { createI18n } from 'vue-i18n';
import { Locale } from 'vant';
import vantEn from 'vant/es/locale/lang/en-US';
import vantZh from 'vant/es/locale/lang/zh-CN';
import zhCN from './zh-CN.ts';

export type AppLocale = 'zh-CN' | 'en';
const stored = localStorage.getItem('kemai.locale');
export const initialLocale: AppLocale = stored === 'en' || stored === 'zh-CN' ? stored : navigator.language.startsWith('en') ? 'en' : 'zh-CN';

type Messages = typeof zhCN;
export const i18n = createI18n<[Messages], AppLocale, false>({ legacy: false, locale: 'zh-CN', fallbackLocale: 'zh-CN', messages: { 'zh-CN': zhCN } as Record<AppLocale, Messages> });

/** Loads a language on demand (English is not on the first screen of a Chinese user). */
export async function setLocale(locale: AppLocale): Promise<void> {
  if (locale === 'en' && !i18n.global.availableLocales.includes('en')) {
    i18n.global.setLocaleMessage('en', (await import('./en.ts')).default);
    for (const part of parts) i18n.global.mergeLocaleMessage('en', part.en as never);
  }
  i18n.global.locale.value = locale;
  Locale.use(locale === 'en' ? 'en-US' : 'zh-CN', locale === 'en' ? vantEn : vantZh);
  localStorage.setItem('kemai.locale', locale);
  document.documentElement.lang = locale;
}

/** Messages that lazily loaded pages bring along, one object per language. */
type MessagePart = Record<AppLocale, Record<string, unknown>>;
const parts: MessagePart[] = [];

/** Merges a part into every language loaded now, and into English when it loads later. */
export function addMessages(part: MessagePart): void {
  parts.push(part);
  for (const locale of i18n.global.availableLocales) i18n.global.mergeLocaleMessage(locale, part[locale] as never);
}

let adminMessages: Promise<void> | null = null;
/** The settings pages' messages, fetched with the first settings page opened. */
export function loadAdminMessages(): Promise<void> {
  adminMessages ??= import('./admin.ts').then((m) => addMessages(m.default));
  return adminMessages;
}
