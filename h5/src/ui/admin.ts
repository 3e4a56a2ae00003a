// Small helpers the settings pages share.
import { useI18n } from 'vue-i18n';
import type { LocalName } from '../api/admin.ts';

/** A {zh, en} name in the current language. */
export function useLocalName(): (name: LocalName | null | undefined) => string {
  const { locale } = useI18n();
  return (name) => (name ? (locale.value === 'en' ? name.en || name.zh : name.zh || name.en) : '');
}

/** Copies text, with the old selection trick where the Clipboard API is missing (plain http in a webview). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand('copy');
    } catch {
      done = false;
    }
    area.remove();
    return done;
  }
}

/** Comma- or 、-separated text ↔ a list. */
export const splitList = (text: string) => text.split(/[,，、;；\s]+/).map((s) => s.trim()).filter(Boolean);
export const joinList = (list: readonly string[] | undefined) => (list ?? []).join('，');

/** A webhook event's name (customer.created → 新建客户), or the event itself when unknown. */
export function useEventName(): (event: string) => string {
  const { t, te } = useI18n();
  return (event) => {
    const key = `admin.webhooks.event.${event.replace(/\./g, '_')}`;
    return te(key) ? t(key) : event;
  };
}
