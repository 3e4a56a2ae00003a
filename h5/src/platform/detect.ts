export type PlatformKind = 'wecom' | 'dingtalk' | 'browser';

/** WeCom's webview says wxwork; DingTalk's says DingTalk. WeChat alone is not WeCom. */
export function detectPlatform(userAgent: string): PlatformKind {
  if (/wxwork/i.test(userAgent)) return 'wecom';
  if (/DingTalk/i.test(userAgent)) return 'dingtalk';
  return 'browser';
}
