// What the e2e files share: one H5 build however many files start at once, screenshots each file
// keeps in its own folder of tests/e2e/artifacts/, and signing in from the dev-login picker.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureH5Build } from '../../server/src/core/http/h5-build.ts';
import { artifactsDir, phoneContext } from '../helpers/browser.ts';

const lockDir = join(tmpdir(), 'kemai-h5-build.lock');
/** a lock older than this was left by a run that died mid-build */
const staleLockMs = 5 * 60_000;

/**
 * Builds h5/dist unless it is current. Test files run in parallel workers: the first builds while
 * the others wait, then find the build current (two Vite builds into one dist would clobber it).
 */
export async function buildH5Once(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > staleLockMs) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await ensureH5Build();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Screenshots numbered in order under artifacts/<suite>/; the folder holds this run's pictures only. */
export function screenshots(suite: string): (page: Page, name: string) => Promise<string> {
  const dir = join(artifactsDir, suite);
  let shot = 0;
  return async (page, name) => {
    if (shot === 0) rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${String(++shot).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path });
    return path;
  };
}

/** A phone of its own, signed in as a demo user from the dev-login picker, on 今日. */
export async function signIn(browser: Browser, baseUrl: string, login: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await phoneContext(browser, baseUrl);
  const page = await context.newPage();
  await page.goto('/');
  await page.locator(`[data-test="login-${login}"]`).click();
  await page.getByText('今日待跟进').waitFor();
  return { context, page };
}
