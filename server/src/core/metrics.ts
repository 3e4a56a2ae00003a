// Process-wide tallies for what happens deep in code that has no handle on the app: the chat
// platforms' API clients count their errors here. Each app's /metrics registry reads them at
// scrape time (modules/metrics/metrics.registry.ts). One process runs one app in production; tests
// that build several apps read deltas.

/** Error codes are the platforms' own (WeCom errcode, DingTalk code): bounded, but capped anyway. */
const maxCodesPerPlatform = 100;

const platformErrors = new Map<string, number>();

/** Counts one error answered by a chat platform's API (or a failed HTTP exchange with it). */
export function countPlatformError(platform: 'wecom' | 'dingtalk', code: string | number): void {
  let key = `${platform}\n${code}`;
  if (!platformErrors.has(key) && [...platformErrors.keys()].filter((k) => k.startsWith(`${platform}\n`)).length >= maxCodesPerPlatform) {
    key = `${platform}\nother`;
  }
  platformErrors.set(key, (platformErrors.get(key) ?? 0) + 1);
}

/** Every platform error counted so far, by platform and code. */
export function platformErrorCounts(): { platform: string; code: string; count: number }[] {
  return [...platformErrors].map(([key, count]) => {
    const [platform = '', code = ''] = key.split('\n');
    return { platform, code, count };
  });
}
