// Agenda 6 on the embedded engine, through mongoose's own database handle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../server/src/core/jobs/runner.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

let db: TestDatabase;
const logger = createLogger({ level: 'silent' });
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  expect(db.unportable).toEqual([]);
  await db.drop();
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('jobs', () => {
  it('runs a job scheduled one second ahead', async () => {
    const runner = new JobRunner({ db: db.connection.db!, logger, processEveryMs: 100 });
    const runs: { at: number; data: unknown }[] = [];
    runner.define<{ greeting: string }>('test.later', async (data) => {
      runs.push({ at: Date.now(), data });
    });
    await runner.start();
    try {
      const scheduledAt = Date.now();
      await runner.agenda.schedule(new Date(scheduledAt + 1_000), 'test.later', { greeting: '你好' });
      await until(() => runs.length > 0, 10_000);
      expect(runs[0]!.data).toEqual({ greeting: '你好' });
      expect(runs[0]!.at - scheduledAt).toBeGreaterThanOrEqual(900);
    } finally {
      await runner.stop();
    }
  });

  it('runs a job defined in two processes once', async () => {
    const other = await connectDatabase({ uri: db.uri, dbName: db.dbName });
    const runs: string[] = [];
    const runners = [db.connection, other].map((connection, i) => {
      const runner = new JobRunner({ db: connection.db!, logger, processEveryMs: 100, name: `worker-${i}` });
      runner.define('test.once', async () => {
        runs.push(`worker-${i}`);
        await new Promise((r) => setTimeout(r, 300)); // hold the lock while the other polls
      });
      return runner;
    });
    try {
      await Promise.all(runners.map((r) => r.start()));
      await runners[0]!.agenda.now('test.once', {});
      await until(() => runs.length > 0, 10_000);
      await new Promise((r) => setTimeout(r, 1_500)); // several more polls by both workers
      expect(runs).toHaveLength(1);
      const { jobs } = await runners[0]!.agenda.queryJobs({ name: 'test.once' });
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.lastFinishedAt).toBeTruthy();
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
      await other.close();
    }
  });
});

describe('the server’s own jobs', () => {
  it('schedules every job kind on its cron in Asia/Shanghai, and runs the card queue for real', async () => {
    const { startTestApp } = await import('../helpers/test-app.ts');
    const { defineJobs, scheduleJobs, deliverCardsJob } = await import('../../server/src/jobs.ts');
    const app = await startTestApp();
    const runner = new JobRunner({ db: app.db.connection.db!, logger, processEveryMs: 100 });
    try {
      defineJobs(runner, app.app.services);
      await runner.start();
      await scheduleJobs(runner, app.app.services);
      const { jobs } = await runner.agenda.queryJobs({});
      const names = jobs.map((j) => j.name).sort();
      expect(names).toEqual(
        expect.arrayContaining(['auth.sessions.purge', 'cards.deliver', 'org.sync', 'rules.staleCustomers', 'rules.followUpDue', 'rules.poolReclaim', 'rules.birthday', 'rules.dailyDigest', 'rules.dataQuality', 'imports.work', 'duplicates.scan', 'quality.clean']),
      );
      for (const job of jobs) expect(job.nextRunAt, job.name).toBeTruthy();
      const digest = jobs.find((j) => j.name === 'rules.dailyDigest')!;
      // 18:00 in Shanghai is 10:00 UTC
      expect(new Date(digest.nextRunAt as unknown as string).getUTCHours()).toBe(10);

      // a card left in the queue goes out when the job runs
      const manager = (await app.inspect.users.findOne({ login: 'manager.east' }).lean())!;
      await app.inspect.pendingCards.create({
        card: { id: 'queued-by-job', data: { kind: 'botHelp' } },
        userId: manager._id,
        platform: 'dev',
        platformUserId: manager._id.toHexString(),
        notBefore: new Date(0),
        attempts: 0,
        claimedUntil: new Date(0),
        createdAt: new Date(),
      });
      await runner.agenda.now(deliverCardsJob, {});
      await until(async () => (await app.inspect.outbox.countDocuments({ 'card.id': 'queued-by-job' })) === 1, 10_000);
    } finally {
      await runner.stop();
      await app.close();
    }
  });
});
