import { describe, expect, it } from 'vitest';
import { scaledSize, watermarkLines } from '../../h5/src/media/photo.ts';
import { detectPlatform } from '../../h5/src/platform/detect.ts';
import { looksLikeEmail, looksLikePhone } from '../../h5/src/ui/validation.ts';

describe('platform detection', () => {
  it.each([
    ['Mozilla/5.0 (iPhone) AppleWebKit/605 Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh', 'wecom'],
    ['Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36 AliApp(DingTalk/7.0.40) com.alibaba.android.rimet', 'dingtalk'],
    ['Mozilla/5.0 (iPhone) AppleWebKit/605 Mobile/15E148 MicroMessenger/8.0.44 NetType/WIFI Language/zh_CN', 'browser'],
    ['Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36', 'browser'],
  ])('%s → %s', (ua, kind) => {
    expect(detectPlatform(ua)).toBe(kind);
  });
});

describe('visit photos', () => {
  it('shrink the long side to 1600 px and keep the aspect ratio', () => {
    expect(scaledSize(4032, 3024)).toEqual({ width: 1600, height: 1200 });
    expect(scaledSize(3024, 4032)).toEqual({ width: 1200, height: 1600 });
    expect(scaledSize(800, 600)).toEqual({ width: 800, height: 600 });
  });

  it('carry time, place and user in the watermark, skipping blanks', () => {
    expect(watermarkLines({ time: '2026/11/24 10:00', place: '', user: '李娜' })).toEqual(['2026/11/24 10:00', '李娜']);
  });
});

describe('form checks as the user types', () => {
  it.each(['13800138000', '+86 138 0013 8000', '021-54954215', '（021）5495 4215', '400-820-8820', '１３８００１３８０００'])('%s looks like a phone', (v) => {
    expect(looksLikePhone(v)).toBe(true);
  });
  it.each(['1380013', 'abc', '12345678901'])('%s does not', (v) => {
    expect(looksLikePhone(v)).toBe(false);
  });
  it('checks emails', () => {
    expect(looksLikeEmail('li.na@example.com')).toBe(true);
    expect(looksLikeEmail('li.na@')).toBe(false);
  });
});
