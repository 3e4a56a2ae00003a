// Agenda on the app's own database handle (mongoose's connection.db), so there is one driver and
// one BSON version. Jobs are thin: each handler calls a service.
import { Agenda, backoffStrategies, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';
import type { Logger } from '../logger.ts';

export interface JobRunnerOptions {
  db: Db;
  logger: Logger;
  /** polling interval in milliseconds (a string such as '200 milliseconds' would be read as seconds) */
  processEveryMs: number;
  name?: string;
  /** a failed run is tried again after delayMs, doubling each time, at most maxRetries times */
  retry?: { delayMs: number; maxRetries: number };
  /** told of every run this process makes, by job name (the app's /metrics) */
  observer?: JobObserver;
}

export interface JobObserver {
  started(name: string): void;
  /** seconds since the run started, when Agenda recorded it */
  finished(name: string, outcome: 'success' | 'failure', seconds: number | null): void;
}

export interface JobDefinitionOptions {
  concurrency?: number;
  lockLifetimeMs?: number;
}

export type JobHandler<Data> = (data: Data, job: Job<Data>) => Promise<void>;

export class JobRunner {
  readonly agenda: Agenda;
  private readonly logger: Logger;
  private readonly retry: { delayMs: number; maxRetries: number };
  private started = false;

  constructor(options: JobRunnerOptions) {
    this.logger = options.logger.child({ component: 'jobs' });
    this.retry = options.retry ?? { delayMs: 60_000, maxRetries: 5 };
    this.agenda = new Agenda({
      backend: new MongoBackend({ mongo: options.db, collection: 'agendaJobs' }),
      ...(options.name ? { name: options.name } : {}),
      processEvery: options.processEveryMs,
      defaultLockLifetime: 10 * 60_000,
    });
    this.agenda.on('fail', (error: Error, job: Job) => {
      this.logger.error({ job: job.attrs.name, err: error }, 'job failed');
    });
    const observer = options.observer;
    if (observer) {
      // lastRunAt is set when a run starts, so it times this run; events from other processes
      // (remote) are theirs to count
      const seconds = (job: Job) => (job.attrs.lastRunAt ? (Date.now() - job.attrs.lastRunAt.getTime()) / 1000 : null);
      this.agenda.on('start', (job: Job, remote?: boolean) => {
        if (!remote) observer.started(job.attrs.name);
      });
      this.agenda.on('success', (job: Job, remote?: boolean) => {
        if (!remote) observer.finished(job.attrs.name, 'success', seconds(job));
      });
      this.agenda.on('fail', (_error: Error, job: Job, remote?: boolean) => {
        if (!remote) observer.finished(job.attrs.name, 'failure', seconds(job));
      });
    }
  }

  define<Data = Record<string, unknown>>(name: string, handler: JobHandler<Data>, options: JobDefinitionOptions = {}): void {
    this.agenda.define<Data>(name, (job) => handler(job.attrs.data, job), {
      // a run that throws (database away, bad data fixed later) is tried again by Agenda itself
      backoff: backoffStrategies.exponential({ delay: this.retry.delayMs, maxRetries: this.retry.maxRetries, maxDelay: 30 * 60_000 }),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.lockLifetimeMs ? { lockLifetime: options.lockLifetimeMs } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.agenda.start();
    this.started = true;
  }

  /** Unlocks what this process holds so another process picks it up; the connection stays open. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.agenda.stop(false);
  }
}
