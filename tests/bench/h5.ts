// The H5 performance budget: gzip size of what the first screen loads, and its LCP in Chromium
// (phone viewport, 4× CPU slowdown) against the local server. Budget: ≤ 150 KB gzip, LCP ≤ 1.5 s.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureH5Build, h5Root } from '../../server/src/core/http/h5-build.ts';
import { hasChromium, launchBrowser, phoneContext } from '../helpers/browser.ts';
import { startEmbeddedDatabase } from '../../server/src/core/db/embedded.ts';
import { startBenchApp } from './bench-app.ts';
import type { ResultRow } from './report.ts';

const dist = join(h5Root, 'dist');

/** The files index.html loads before the first route renders: entry, preloads, stylesheets. */
export function firstScreenAssets(): { file: string; gzip: number }[] {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  return files.map((file) => ({ file, gzip: gzipSync(readFileSync(join(dist, file)), { level: 9 }).length }));
}

export async function runH5Bench(runs = Number(process.env.BENCH_H5_RUNS ?? 5)): Promise<{ gzipKb: number; lcpMs: number[] }> {
  rmSync(join(dist, '.source-hash'), { force: true }); // always a fresh build
  await ensureH5Build();
  const assets = firstScreenAssets();
  const gzipKb = assets.reduce((sum, a) => sum + a.gzip, 0) / 1024;
  for (const a of assets) process.stdout.write(`  ${a.file}: ${(a.gzip / 1024).toFixed(1)} KB gzip\n`);
  process.stdout.write(`  first screen: ${gzipKb.toFixed(1)} KB gzip (budget 150)\n`);
  if (!hasChromium) {
    process.stdout.write('  LCP skipped: no Chromium\n');
    return { gzipKb, lcpMs: [] };
  }
  const database = process.env.BENCH_MONGODB_URI ? null : await startEmbeddedDatabase({ engine: 'java', dataFile: null });
  const bench = await startBenchApp(process.env.BENCH_MONGODB_URI ?? database!.uri, { customers: 200, h5DistDir: dist });
  const lcpMs: number[] = [];
  const browser = await launchBrowser();
  try {
    const context = await phoneContext(browser, bench.base);
    const signIn = await context.request.post('/api/auth/dev-login', { data: { login: 'rep.east1' } });
    if (!signIn.ok()) throw new Error('dev login failed');
    for (let run = 0; run < runs; run++) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.clearBrowserCache');
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await page.goto('/', { waitUntil: 'networkidle' });
      const lcp = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            new PerformanceObserver((list) => {
              const entries = list.getEntries();
              resolve(entries[entries.length - 1]!.startTime);
            }).observe({ type: 'largest-contentful-paint', buffered: true });
          }),
      );
      lcpMs.push(lcp);
      await page.close();
    }
  } finally {
    await browser.close();
    await bench.close();
    await database?.stop();
  }
  const sorted = [...lcpMs].sort((a, b) => a - b);
  process.stdout.write(`  LCP (4× CPU slowdown, 375×667, cold cache) median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms over ${runs} runs (budget 1500)\n`);
  return { gzipKb, lcpMs };
}

/** The report's rows: the first screen's gzip size and median LCP against their budgets. */
export function h5Rows(result: { gzipKb: number; lcpMs: number[] }): ResultRow[] {
  const sorted = [...result.lcpMs].sort((a, b) => a - b);
  const lcp = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null;
  return [
    { measure: 'h5 · first screen, gzip', value: result.gzipKb, unit: 'KB', goal: '≤ 150 KB', pass: result.gzipKb <= 150 },
    {
      measure: `h5 · LCP median (4× CPU slowdown, 375×667, cold cache${sorted.length ? `, ${sorted.length} runs` : ', skipped: no Chromium'})`,
      value: lcp,
      unit: 'ms',
      goal: '≤ 1500 ms',
      pass: lcp === null ? null : lcp <= 1500,
    },
  ];
}
