// SIGKILL in the middle of an import's commit (K13): the restarted server carries on from where
// the dead one stopped, once its lease runs out, and every row ends up written exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSignedIn, until, type RunningProcess } from '../helpers/process.ts';

type Json = Record<string, any>;

const dataDir = mkdtempSync(join(tmpdir(), 'kemai-import-crash-'));
// a short lease so the restarted server takes the import over within seconds; batches renew it
const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', JOBS_PROCESS_EVERY_MS: '300', IMPORT_LEASE_MS: '4000' };
const started: RunningProcess[] = [];
const rows = 6000;

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const running = await startSignedIn(env, started);
  const { base, token } = running;
  const get = async (path: string) => (await (await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } })).json()) as Json;
  return { ...running, get };
}

describe('an import whose server is killed mid-commit', () => {
  it('is carried on by the restarted server, each row written once', async () => {
    const first = await start();
    const lines = ['客户名称,客户类型,行业,来源,手机'];
    for (let i = 0; i < rows; i++) lines.push(`崩溃续传${String(i).padStart(5, '0')}号科技有限公司,企业,互联网,官网,${13800000000 + i * 7}`);
    const form = new FormData();
    form.append('file', new Blob([lines.join('\n')], { type: 'text/csv' }), 'crash.csv');
    const uploaded = await fetch(`${first.base}/api/imports`, { method: 'POST', headers: { Authorization: `Bearer ${first.token}` }, body: form });
    expect(uploaded.status, await uploaded.clone().text()).toBeLessThan(300);
    const id = ((await uploaded.json()) as Json).id as string;
    await until('the dry run', async () => ((await first.get(`/api/imports/${id}`)).status === 'ready' ? true : null), 120_000);
    const commit = await fetch(`${first.base}/api/imports/${id}/commit`, { method: 'POST', headers: { Authorization: `Bearer ${first.token}` } });
    expect(commit.status).toBe(200);
    // kill it once the commit has written some rows but not all
    const midway = await until(
      'rows being written',
      async () => {
        const job = await first.get(`/api/imports/${id}`);
        if (job.status === 'done') throw new Error('the import finished before it could be interrupted');
        return job.status === 'committing' && job.progress.done > 0 ? job : null;
      },
      120_000,
    );
    first.server.child.kill('SIGKILL');
    await first.server.exited;
    expect(midway.progress.done).toBeLessThan(rows);

    const second = await start();
    const done = await until('the import to finish', async () => {
      const job = await second.get(`/api/imports/${id}`);
      return job.status === 'done' || job.status === 'failed' ? job : null;
    }, 120_000);
    expect(done.status).toBe('done');
    expect(done.counts).toMatchObject({ rows, created: rows, merged: 0, skipped: 0, invalid: 0 });
    const found = await second.get(`/api/customers?keyword=${encodeURIComponent('崩溃续传')}&limit=1`);
    expect(found.items).toHaveLength(1);
    // exactly one customer per row: count through the search index by each row's distinct phone
    let total = 0;
    let cursor: string | null = null;
    do {
      const page: Json = await second.get(`/api/customers?keyword=${encodeURIComponent('崩溃续传')}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      total += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(total).toBe(rows);
    second.server.child.kill('SIGTERM');
    expect((await second.server.exited).code).toBe(0);
  }, 400_000);
});
