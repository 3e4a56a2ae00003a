// Debian's Chromium driven by playwright-core, in a phone viewport with a fixed location.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
export const artifactsDir = fileURLToPath(new URL('../e2e/artifacts/', import.meta.url));

export const shanghai = { latitude: 31.2304, longitude: 121.4737, accuracy: 20 };

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

export async function phoneContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport: { width: 375, height: 667 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    geolocation: shanghai,
    permissions: ['geolocation'],
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  });
}

let shot = 0;
export async function screenshot(page: Page, name: string): Promise<string> {
  if (shot === 0) rmSync(artifactsDir, { recursive: true, force: true }); // this run's pictures only
  mkdirSync(artifactsDir, { recursive: true });
  const path = `${artifactsDir}${String(++shot).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path });
  return path;
}
