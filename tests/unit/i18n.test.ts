import { describe, expect, it } from 'vitest';
import { localeFromHeader, translate } from '../../server/src/core/i18n.ts';
import { errorCodes } from '../../server/src/core/errors.ts';

describe('locale from Accept-Language', () => {
  it.each([
    [undefined, 'zh-CN'],
    ['', 'zh-CN'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['fr-FR,en;q=0.5', 'en'],
    ['de-DE', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['en;q=0.3,zh;q=0.7', 'zh-CN'],
    ['en;q=0,zh-CN', 'zh-CN'],
  ])('%s → %s', (header, locale) => {
    expect(localeFromHeader(header)).toBe(locale);
  });
});

describe('messages', () => {
  it('has a message for every error code in both languages', () => {
    for (const code of Object.keys(errorCodes)) {
      const zh = translate(`error.${code}`, 'zh-CN');
      const en = translate(`error.${code}`, 'en');
      expect(zh).not.toBe(`error.${code}`);
      expect(en).not.toBe(`error.${code}`);
      expect(zh).not.toBe(en);
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('x {a} {b}', 'en', { a: 1 })).toBe('x 1 {b}');
  });
});
