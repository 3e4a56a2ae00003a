// K13, the H5 offline soak: 100 offline/online cycles in Chromium, each queueing one or two
// follow-ups or visits while the phone is offline (every fifth cycle through the real form, the
// others straight into the app's IndexedDB queue in the shape queue.ts writes), then coming back
// online while something goes wrong with the flush: a reload mid-sync, a response lost after the
// server wrote the record, 500/503 answers, the network dropping again, an item logged while a flush
// waits to retry. Items the trouble leaves queued go in a later cycle. No follow-up is ever on the
// server twice; at the end it holds exactly one per queued item, the queue is empty and nothing
// shows as failed. About two minutes on two cores; SOAK_SEED and SOAK_CYCLES replay or shorten a run.
// Screenshots go to tests/e2e/artifacts/offline-soak/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { Types } from 'mongoose';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { hasChromium, chromiumPath, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

const screenshot = screenshots('offline-soak');
const cycles = Number(process.env.SOAK_CYCLES ?? 100);
/** the schedule of scenarios is shuffled from this seed; a failing run prints it */
const seed = Number(process.env.SOAK_SEED ?? 20261113);

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

/**
 * Page-side helpers, installed on every document (reloads included): read the app's queue, and put
 * items into it as queue.ts's enqueue() does (same database, store, key and record shape).
 */
const pageHelpers = `
window.__soak = {
  open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open('kemai-offline', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('followUps', { keyPath: 'id' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  },
  async list() {
    const db = await this.open();
    try {
      return await new Promise((resolve, reject) => {
        const request = db.transaction('followUps').objectStore('followUps').getAll();
        request.onsuccess = () => resolve(request.result.map((item) => ({ id: item.id, content: item.body.content, status: item.status, error: item.error ?? null, uploaded: item.uploadedPhotoIds })));
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  },
  async photo(hue) {
    const canvas = new OffscreenCanvas(96, 72);
    const g = canvas.getContext('2d');
    g.fillStyle = 'hsl(' + hue + ', 70%, 50%)';
    g.fillRect(0, 0, 96, 72);
    g.fillStyle = '#fff';
    g.fillText('soak ' + hue, 8, 40);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  },
  async enqueue(items) {
    const records = [];
    for (const item of items) {
      const photos = item.photo ? [await this.photo(item.seq % 360)] : [];
      records.push({
        id: item.id,
        customerId: item.customerId,
        customerName: item.customerName,
        body: item.body,
        photos,
        uploadedPhotoIds: photos.map(() => null),
        queuedAt: new Date().toISOString(),
        seq: Date.now() * 1000 + item.seq,
        status: 'pending',
      });
    }
    const db = await this.open();
    try {
      await new Promise((resolve, reject) => {
        const tx = db.transaction('followUps', 'readwrite');
        for (const record of records) tx.objectStore('followUps').put(record);
        tx.oncomplete = () => resolve(undefined);
        tx.onerror = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  },
};
`;

interface QueuedView {
  id: string;
  content: string;
  status: 'pending' | 'failed';
  error: string | null;
  uploaded: (string | null)[];
}

interface Expected {
  content: string;
  customerId: string;
  method: 'call' | 'visit';
  photo: boolean;
  viaUi: boolean;
  cycle: number;
}

type ScenarioName =
  | 'normal'
  | 'reloadAfterServerWrote'
  | 'reloadBeforeServer'
  | 'responseLostOnce'
  | 'responseLostThrice'
  | 'responseLostEarly'
  | 'wroteThen503'
  | 'unavailableOnce'
  | 'unavailableThrice'
  | 'serverError500'
  | 'offlineMidFlush'
  | 'offlineAfterServerWrote'
  | 'photoUploadLost'
  | 'loggedDuringRetry';

interface Scenario {
  name: ScenarioName;
  /** how many of the 100 cycles it has (the weights add up to 100; scaled to SOAK_CYCLES) */
  weight: number;
  /** the flush gets everything out within the cycle; otherwise items stay queued for a later one */
  settles: boolean;
}

const scenarios: Scenario[] = [
  { name: 'normal', weight: 14, settles: true },
  { name: 'reloadAfterServerWrote', weight: 8, settles: true },
  { name: 'reloadBeforeServer', weight: 6, settles: true },
  { name: 'responseLostOnce', weight: 8, settles: true },
  { name: 'responseLostThrice', weight: 7, settles: false },
  { name: 'responseLostEarly', weight: 6, settles: true },
  { name: 'wroteThen503', weight: 7, settles: true },
  { name: 'unavailableOnce', weight: 6, settles: true },
  { name: 'unavailableThrice', weight: 7, settles: false },
  { name: 'serverError500', weight: 6, settles: false },
  { name: 'offlineMidFlush', weight: 8, settles: true },
  { name: 'offlineAfterServerWrote', weight: 6, settles: true },
  { name: 'photoUploadLost', weight: 5, settles: false },
  { name: 'loggedDuringRetry', weight: 6, settles: true },
];

function mulberry32(start: number): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!hasChromium)('H5 offline soak in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const customers: { id: string; name: string }[] = [];

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    const token = await t.login('rep.east1');
    for (const [name, phone] of [
      ['苏州恒远精密机械有限公司', '13912345601'],
      ['宁波海曙贸易有限公司', '13912345602'],
    ] as const) {
      const response = await t.request('/api/customers', {
        method: 'POST',
        token,
        json: { type: 'company', name, industry: '金融', source: '官网', phones: [phone] },
      });
      expect(response.status, await response.clone().text()).toBe(201);
      customers.push({ id: ((await response.json()) as { id: string }).id, name });
    }
    browser = await launchBrowser();
    ({ context, page } = await signIn(browser, t.baseUrl, 'rep.east1'));
    await context.addInitScript(pageHelpers);
    await page.reload();
    await page.getByText('今日待跟进').waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(`survives ${cycles} offline/online cycles: no follow-up lost, none sent twice`, async () => {
    const started = Date.now();
    const random = mulberry32(seed);
    // the schedule: every scenario its share of the cycles, in a shuffled order
    const schedule: Scenario[] = [];
    const totalWeight = scenarios.reduce((sum, s) => sum + s.weight, 0);
    for (const s of scenarios) for (let i = 0; i < Math.max(1, Math.round((s.weight * cycles) / totalWeight)); i++) schedule.push(s);
    while (schedule.length < cycles) schedule.push(scenarios[0]!);
    for (let i = schedule.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [schedule[i], schedule[j]] = [schedule[j]!, schedule[i]!];
    }
    schedule.length = cycles;

    const expected: Expected[] = [];
    const timings = new Map<ScenarioName, { n: number; ms: number }>();
    let itemSeq = 0;
    const history: string[] = [];
    let shotQueued = false;
    let shotStuck = false;
    // what the phone heard back for its follow-up writes: 200 is the server answering a replay from
    // the idempotency key with the record it already had
    const answers = { created: 0, replayed: 0, offlineAgain: 0, reloads: 0, leftQueued: 0 };
    page.on('response', (response) => {
      if (response.request().method() !== 'POST' || !/\/api\/customers\/[0-9a-f]{24}\/follow-ups$/.test(response.url())) return;
      if (response.status() === 201) answers.created++;
      if (response.status() === 200) answers.replayed++;
    });

    /** the app's queue as IndexedDB holds it; retried across a reload destroying the page's context */
    const queued = async (): Promise<QueuedView[]> => {
      for (let attempt = 0; ; attempt++) {
        try {
          // evaluated as a string: the page's CSP forbids eval, not the debugger's own evaluation
          const list = (await page.evaluate('window.__soak ? window.__soak.list() : null')) as QueuedView[] | null;
          if (list) return list;
          if (attempt >= 100) throw new Error('the page helpers never came up');
        } catch (error) {
          if (attempt >= 100) throw error;
        }
        await sleep(100);
      }
    };

    /** queues items straight into the app's IndexedDB queue, as enqueue() would */
    const enqueueDirect = async (items: Expected[], seqBase: number) => {
      await page.evaluate(
        `window.__soak.enqueue(${JSON.stringify(
          items.map((item, index) => ({
            id: `h5-${crypto.randomUUID()}`,
            seq: seqBase + index,
            photo: item.photo,
            customerId: item.customerId,
            customerName: customers.find((c) => c.id === item.customerId)!.name,
            body: {
              method: item.method,
              content: item.content,
              at: new Date().toISOString(),
              ...(item.method === 'visit' ? { location: { lat: 31.2304, lng: 121.4737, accuracy: 20 } } : {}),
            },
          })),
        )})`,
      );
    };

    /** follow-ups of the soak on the server, by content (each content is unique to one queued item) */
    const serverCounts = async (): Promise<Map<string, number>> => {
      const rows = await t.inspect.followUps.aggregate<{ _id: string; n: number }>([
        { $match: { content: { $regex: '^SOAK-' } } },
        { $group: { _id: '$content', n: { $sum: 1 } } },
      ]);
      return new Map(rows.map((row) => [row._id, row.n]));
    };

    /** nothing is ever on the server twice, and nothing is there that was not queued */
    const assertNoDuplicates = async (cycle: number, scenario: string) => {
      const counts = await serverCounts();
      const known = new Set(expected.map((e) => e.content));
      const duplicated = [...counts].filter(([, n]) => n > 1);
      expect(duplicated, `cycle ${cycle} (${scenario}, seed ${seed}): duplicated follow-ups`).toEqual([]);
      expect([...counts.keys()].filter((c) => !known.has(c)), `cycle ${cycle}: follow-ups nobody queued`).toEqual([]);
    };

    /** everything queued so far is on the server once and the queue is empty */
    const settled = async (): Promise<string> => {
      const [queue, counts] = await Promise.all([queued(), serverCounts()]);
      const failed = queue.filter((q) => q.status === 'failed');
      if (failed.length) return `failed: ${JSON.stringify(failed)}`;
      if (queue.length) return `queued: ${queue.map((q) => `${q.content} (${q.status}, photos ${JSON.stringify(q.uploaded)})`).join(', ')}`;
      const missing = expected.filter((e) => counts.get(e.content) !== 1);
      return missing.length ? `on the server not once: ${missing.map((m) => `${m.content}×${counts.get(m.content) ?? 0}`).join(', ')}` : 'settled';
    };

    const logThroughForm = async (item: Expected, onlineMidSubmit: (() => Promise<void>) | null, photo: Buffer | null) => {
      const customer = customers.find((c) => c.id === item.customerId)!;
      await page.goto('/#/me');
      await page.goto(`/#/customers/${customer.id}`); // leave any earlier form: a new form, a new key
      await page.goto(`/#/customers/${customer.id}/follow-up${item.method === 'visit' ? '?visit=1' : ''}`);
      await page.locator('[data-test="field-content"] textarea').fill(item.content);
      if (item.method === 'visit') await page.locator('[data-test="location-fix"]').waitFor(); // the emulated GPS works offline
      if (photo) {
        await page.locator('[data-test="photos"] input[type="file"]').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: photo });
        await page.locator('.van-uploader__preview').waitFor();
        // compressed and watermarked in the browser before it can be queued
        await expect.poll(() => page.locator('.van-uploader__mask').count(), { timeout: 15_000, interval: 100 }).toBe(0);
      }
      await page.locator('[data-test="submit-follow-up"]').click();
      if (onlineMidSubmit) {
        // the network comes back while the form is still trying: the form and the queue's own
        // 'online' sync may both send this item
        await sleep(150 + Math.floor(random() * 600));
        await onlineMidSubmit();
        // no waiting for the form's answer here: this cycle's trouble may reload the page under it
        return;
      }
      await page.getByText('网络不可用，已存入待同步').first().waitFor();
      if (!shotQueued) {
        shotQueued = true;
        await screenshot(page, 'offline-queued-from-form');
      }
      await page.waitForURL(new RegExp(`/customers/${customer.id}$`));
    };

    const runCycle = async (cycle: number) => {
      const scenario = schedule[cycle - 1]!;
      const cycleStarted = Date.now();
      const viaUi = cycle % 5 === 0;
      const count = random() < 0.5 ? 1 : 2;
      const items: Expected[] = [];
      for (let k = 1; k <= count; k++) {
        itemSeq++;
        const customer = customers[itemSeq % customers.length]!;
        const method = random() < 0.35 ? 'visit' : 'call';
        // photos ride on some queued visits (and on the visits of the photo-loss cycles)
        const photo = method === 'visit' && (scenario.name === 'photoUploadLost' || (viaUi ? cycle % 20 === 0 : itemSeq % 4 === 0));
        items.push({ content: `SOAK-${String(cycle).padStart(3, '0')}-${k} ${method === 'visit' ? '上门拜访' : '电话回访'}`, customerId: customer.id, method, photo, viaUi, cycle });
      }
      if (scenario.name === 'photoUploadLost' && !items.some((i) => i.photo)) {
        items[0] = { ...items[0]!, method: 'visit', photo: true, content: items[0]!.content.replace('电话回访', '上门拜访') };
      }
      expected.push(...items);

      // what goes wrong while the queue flushes: a route on the writes the queue makes
      // an object, not lets: the route handler changes these while the cycle waits on them
      const trouble = { hits: 0, uploads: 0, reloading: null as Promise<unknown> | null, wentOfflineAgain: false };
      const handlers: Promise<unknown>[] = [];
      const isFollowUpPost = (route: Route) => route.request().method() === 'POST' && /\/api\/customers\/[0-9a-f]{24}\/follow-ups$/.test(route.request().url());
      const isUpload = (route: Route) => route.request().method() === 'POST' && /\/api\/files$/.test(route.request().url());
      const unavailable = { status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'Service Unavailable' } }) };
      const handle = async (route: Route) => {
        if (isUpload(route)) {
          if (scenario.name === 'photoUploadLost' && ++trouble.uploads === 1) {
            await route.fetch(); // stored, but the phone never hears back: the photo goes again later
            return route.abort('connectionreset');
          }
          return route.fallback();
        }
        if (!isFollowUpPost(route)) return route.fallback();
        const hit = ++trouble.hits;
        switch (scenario.name) {
          case 'reloadAfterServerWrote':
            if (hit === 1) {
              await route.fetch(); // the server wrote it; the page goes away before the answer
              trouble.reloading = page.reload();
              return route.abort('aborted').catch(() => undefined);
            }
            break;
          case 'reloadBeforeServer':
            if (hit === 1) {
              trouble.reloading = page.reload();
              return route.abort('aborted').catch(() => undefined);
            }
            break;
          case 'responseLostOnce':
            if (hit === 1) {
              await route.fetch();
              return route.abort('connectionreset');
            }
            break;
          case 'responseLostThrice':
            if (hit <= 3) {
              await route.fetch();
              return route.abort('connectionreset');
            }
            break;
          case 'responseLostEarly':
            if (hit === 1) {
              // the connection drops while the server is still at work: the retry may overtake it
              const reached = route.fetch().catch(() => undefined);
              await sleep(1);
              await route.abort('connectionreset');
              return reached;
            }
            break;
          case 'wroteThen503':
            if (hit === 1) {
              await route.fetch(); // a proxy answers 503 for a write the server did
              return route.fulfill(unavailable);
            }
            break;
          case 'unavailableOnce':
            if (hit === 1) return route.fulfill(unavailable);
            break;
          case 'unavailableThrice':
            if (hit <= 3) return route.fulfill(unavailable);
            break;
          case 'serverError500':
            if (hit === 1) return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'INTERNAL', message: 'boom' } }) });
            break;
          case 'loggedDuringRetry':
            if (hit === 1) {
              // the answer is lost; while the client waits to retry, the network drops, one more item
              // is logged, and the network returns: its 'online' comes while that flush still runs
              await route.fetch();
              await route.abort('connectionreset');
              const extra: Expected = { ...items[0]!, content: `SOAK-${String(cycle).padStart(3, '0')}-9 重连间隙补记`, method: 'call', photo: false, viaUi: false };
              await context.setOffline(true);
              await enqueueDirect([extra], itemSeq * 10 + 9);
              expected.push(extra);
              await context.setOffline(false);
              return;
            }
            break;
          case 'offlineMidFlush':
          case 'offlineAfterServerWrote':
            // the network drops at the first or second write of the flush
            if (hit === (count === 2 && cycle % 2 === 0 ? 2 : 1)) {
              if (scenario.name === 'offlineAfterServerWrote') await route.fetch();
              trouble.wentOfflineAgain = true;
              await context.setOffline(true);
              return route.abort('internetdisconnected');
            }
            break;
        }
        return route.fallback();
      };
      const router = (route: Route) => {
        const handled = handle(route).catch((error: Error) => {
          // a reload or the network going away may cancel a request under our hands
          if (!/Target|closed|handled|cancel|abort|ERR_/i.test(error.message)) throw error;
        });
        handlers.push(handled);
        return handled;
      };

      // 1. offline: queue the items. The form's page is a lazily loaded chunk, and there is no service
      // worker: as a rep would, open a customer and its forms once while still online
      if (viaUi) {
        for (const visit of [false, true]) {
          await page.goto('/#/me'); // never the same address as now: that would not open the page afresh
          await page.goto(`/#/customers/${customers[0]!.id}`);
          await page.locator('[data-test="detail-header"]').waitFor();
          await page.goto(`/#/customers/${customers[0]!.id}/follow-up${visit ? '?visit=1' : ''}`);
          await page.locator('[data-test="field-content"] textarea').waitFor();
        }
        await page.goto(`/#/customers/${customers[0]!.id}`);
      }
      await context.setOffline(true);
      const goOnline = async () => {
        await page.route('**/api/**', router);
        await context.setOffline(false); // the app's 'online' listener starts the flush
      };
      let onlineAlready = false;
      if (viaUi) {
        for (const [index, item] of items.entries()) {
          const last = index === items.length - 1;
          const photo = item.photo ? await page.screenshot({ clip: { x: 0, y: 0, width: 375, height: 240 } }) : null;
          // in some form cycles the network returns while the form is still trying to send
          const mid = last && cycle % 10 === 5 ? goOnline : null;
          await logThroughForm(item, mid, photo);
          if (mid) onlineAlready = true;
        }
      } else {
        await enqueueDirect(items, itemSeq * 10);
      }
      if (!onlineAlready) {
        const before = await queued();
        expect(before.filter((q) => items.some((i) => i.content === q.content)).length, `cycle ${cycle}: queued while offline`).toBe(items.length);
        expect(await serverCounts().then((c) => items.filter((i) => c.has(i.content)).length), `cycle ${cycle}: nothing goes while offline`).toBe(0);
      }

      // 2. online again, with this cycle's trouble
      if (!onlineAlready) await goOnline();
      if (scenario.name === 'offlineMidFlush' || scenario.name === 'offlineAfterServerWrote') {
        // back after a while: sometimes while the client still retries, sometimes after it gave up
        const deadline = Date.now() + 5_000;
        while (!trouble.wentOfflineAgain && Date.now() < deadline && (await settled()) !== 'settled') await sleep(20);
        if (trouble.wentOfflineAgain) {
          await sleep(50 + Math.floor(random() * 1500));
          await context.setOffline(false);
        }
      }

      // 3. wait for the flush: everything out, or (when the trouble outlasts the client's retries) the
      // trouble spent and the rest left queued for a later cycle
      if (scenario.settles) {
        await expect
          .poll(async () => {
            await trouble.reloading?.catch(() => undefined);
            return settled();
          }, { timeout: 20_000, interval: 50, message: 'the flush' })
          .toBe('settled');
      } else {
        const needed = scenario.name === 'photoUploadLost' ? () => trouble.uploads >= 1 : () => trouble.hits >= (scenario.name === 'serverError500' ? 1 : 3);
        await expect.poll(() => trouble.hits + trouble.uploads > 0, { timeout: 15_000, interval: 25, message: `cycle ${cycle} (${scenario.name}): the flush starts` }).toBe(true);
        // wait for the trouble to run its course (the client retries a 503 or a lost answer twice)
        const deadline = Date.now() + 5_000;
        while (!needed() && (await settled()) !== 'settled' && Date.now() < deadline) await sleep(25);
        await Promise.all(handlers);
        await sleep(100);
        if (!shotStuck && (await queued()).length > 0) {
          shotStuck = true;
          await page.goto('/#/queue');
          await page.locator('[data-test="queued-item"]').first().waitFor();
          await screenshot(page, 'queue-waiting-after-trouble');
        }
      }
      await Promise.all(handlers);
      await page.unroute('**/api/**', router);
      if (trouble.wentOfflineAgain) answers.offlineAgain++;
      if (trouble.reloading) answers.reloads++;
      if (!scenario.settles && (await queued()).length > 0) answers.leftQueued++;
      await assertNoDuplicates(cycle, scenario.name);

      const ms = Date.now() - cycleStarted;
      const timing = timings.get(scenario.name) ?? { n: 0, ms: 0 };
      timings.set(scenario.name, { n: timing.n + 1, ms: timing.ms + ms });
      history.push(`${cycle}:${scenario.name}${viaUi ? '+form' : ''}×${count}(hits ${trouble.hits}, left ${(await queued()).length})`);
    };

    for (let cycle = 1; cycle <= cycles; cycle++) {
      try {
        await runCycle(cycle);
      } catch (error) {
        await screenshot(page, `failed-cycle-${cycle}`).catch(() => undefined);
        console.log(`offline soak failed at cycle ${cycle} on ${page.url()}:\n${(await page.locator('body').innerText().catch(() => '')).slice(0, 400)}`);
        (error as Error).message = `cycle ${cycle} (${schedule[cycle - 1]!.name}${cycle % 5 === 0 ? '+form' : ''}, seed ${seed}) after ${history.slice(-4).join(' ')}: ${(error as Error).message}`;
        throw error;
      }
    }

    // the end: online, nothing in the way; the app sends what is left when it starts
    await context.setOffline(false);
    await page.reload();
    await expect.poll(settled, { timeout: 30_000, interval: 100, message: `after ${cycles} cycles (seed ${seed})` }).toBe('settled');

    const counts = await serverCounts();
    expect(counts.size).toBe(expected.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(expected.every((e) => counts.get(e.content) === 1)).toBe(true);

    // each record as queued: its customer, method, location and photo
    const docs = await t.inspect.followUps.find({ content: { $regex: '^SOAK-' } }).lean();
    const byContent = new Map(docs.map((d) => [d.content, d]));
    for (const e of expected) {
      const doc = byContent.get(e.content)!;
      expect(doc.customerId.toHexString(), e.content).toBe(e.customerId);
      expect(doc.method, e.content).toBe(e.method);
      if (e.method === 'visit') expect(doc.location, e.content).toMatchObject({ lat: 31.2304, lng: 121.4737 });
      expect(doc.photoIds, e.content).toHaveLength(e.photo ? 1 : 0);
      expect(doc.idempotencyKey, e.content).toMatch(/^[0-9a-f]{24}:h5-/);
    }
    // what a write does besides the record happened once per record too
    const ids = docs.map((d) => d._id.toHexString());
    const customerIds = customers.map((c) => new Types.ObjectId(c.id));
    expect(await t.inspect.timeline.countDocuments({ customerId: { $in: customerIds }, type: 'followUp' })).toBe(expected.length);
    expect(await t.inspect.audit.countDocuments({ action: 'followUp.create', entityId: { $in: docs.map((d) => d._id) } })).toBe(expected.length);
    const rep = (await t.inspect.users.findOne({ login: 'rep.east1' }).lean())!;
    const stats = await t.inspect.dailyStats.aggregate<{ _id: string; n: number }>([
      { $match: { userId: rep._id, measure: { $in: ['followUps', 'visits'] } } },
      { $group: { _id: '$measure', n: { $sum: '$value' } } },
    ]);
    const stat = (measure: string) => stats.find((s) => s._id === measure)?.n ?? 0;
    expect(stat('followUps')).toBe(await t.inspect.followUps.countDocuments({ createdBy: rep._id }));
    expect(stat('visits')).toBe(await t.inspect.followUps.countDocuments({ createdBy: rep._id, method: 'visit' }));
    expect(ids).toHaveLength(expected.length);

    // the phone: nothing waiting, nothing failed, nothing on 今日 to sync
    expect(await queued()).toEqual([]);
    // the queue page lists what it found when it opened: open it afresh, by a whole new load, since
    // a hash change alone can be overtaken by a navigation the last cycle's save still had pending
    // (it once ended on the customer's page instead)
    await page.goto('about:blank');
    await page.goto('/#/queue');
    try {
      await page.getByText('没有待同步的记录').waitFor();
    } catch (error) {
      // what the phone showed instead, for the one run in many that ends here
      await screenshot(page, 'queue-not-empty-at-the-end').catch(() => undefined);
      console.log(`queue page at the end, on ${page.url()}:\n${(await page.locator('body').innerText().catch(() => '')).slice(0, 600)}\nqueued: ${JSON.stringify(await queued())}`);
      throw error;
    }
    expect(await page.locator('[data-test="queued-item"]').count()).toBe(0);
    await screenshot(page, 'queue-empty-at-the-end');
    await page.goto('/#/');
    await page.getByText('今日待跟进').waitFor();
    expect(await page.locator('[data-test="pending"]').count()).toBe(0);

    // a later start sends nothing again
    await page.reload();
    await page.getByText('今日待跟进').waitFor();
    await sleep(500);
    expect([...(await serverCounts()).values()].reduce((a, b) => a + b, 0)).toBe(expected.length);

    // the soak did reach the paths it is about
    expect(answers.replayed, 'replays answered from the idempotency key').toBeGreaterThan(0);
    expect(answers.leftQueued, 'cycles that left items queued for a later one').toBeGreaterThan(0);

    const summary = [...timings].map(([name, { n, ms }]) => `${name} ×${n} avg ${Math.round(ms / n)}ms`).join('; ');
    console.log(
      `offline soak: ${cycles} cycles, ${expected.length} items (${expected.filter((e) => e.viaUi).length} through the form, ${expected.filter((e) => e.method === 'visit').length} visits, ${expected.filter((e) => e.photo).length} with a photo), seed ${seed}, ${Math.round((Date.now() - started) / 1000)}s\n` +
        `answers: ${answers.created} created, ${answers.replayed} replays; ${answers.reloads} reloads, ${answers.offlineAgain} times offline again mid-flush, ${answers.leftQueued} cycles left items queued\n${summary}`,
    );
  }, 420_000);
});
