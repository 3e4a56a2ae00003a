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
  }
  i18n.global.locale.value = locale;
  Locale.use(locale === 'en' ? 'en-US' : 'zh-CN', locale === 'en' ? vantEn : vantZh);
  localStorage.setItem('kemai.locale', locale);
  document.documentElement.lang = locale;
}
