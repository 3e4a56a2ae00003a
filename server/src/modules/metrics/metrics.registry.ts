// The app's Prometheus instruments, on a registry of its own (never prom-client's global one), so
// tests that build several apps in one process do not collide. Routes are labelled by the router's
// pattern (/api/customers/:id), never the raw URL: ids would explode the series and leak data.
import type { Context, Next } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { platformErrorCounts } from '../../core/metrics.ts';
import type { JobObserver } from '../../core/jobs/runner.ts';
import type { Logger } from '../../core/logger.ts';
import { queueDepths, type QueueName } from './queue-depths.ts';

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);


export interface AppMetrics {
  registry: Registry;
  /** outermost Koa middleware: counts and times every request */
  http(ctx: Context, next: Next): Promise<void>;
  jobs: JobObserver;
}

export function createMetrics(deps: { queues: Parameters<typeof queueDepths>[0]; logger: Logger }): AppMetrics {
  const registry = new Registry();
  // process CPU, memory, event-loop lag, GC: the first things to look at when requests slow down
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpLabels = ['method', 'route', 'status_class'] as const;
  const requests = new Counter({ name: 'kemai_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status class', labelNames: httpLabels, registers });
  const latency = new Histogram({
    name: 'kemai_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status class',
    labelNames: httpLabels,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const jobRuns = new Counter({ name: 'kemai_job_runs_total', help: 'Agenda job runs started, by job name', labelNames: ['job'], registers });
  const jobFailures = new Counter({ name: 'kemai_job_failures_total', help: 'Agenda job runs that failed (each retry counts), by job name', labelNames: ['job'], registers });
  const jobDuration = new Histogram({
    name: 'kemai_job_duration_seconds',
    help: 'Agenda job run time, by job name and outcome',
    labelNames: ['job', 'outcome'],
    buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900],
    registers,
  });

  new Counter({
    name: 'kemai_platform_api_errors_total',
    help: 'Errors answered by the WeCom and DingTalk APIs, by platform and error code (process-wide)',
    labelNames: ['platform', 'code'],
    registers,
    // the API clients count into core/metrics.ts, which knows no registry: copied in at scrape time
    collect() {
      this.reset();
      for (const { platform, code, count } of platformErrorCounts()) this.inc({ platform, code }, count);
    },
  });

  new Gauge({
    name: 'kemai_queue_depth',
    help: 'Items waiting in a work queue at scrape time',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      try {
        const depths = await queueDepths(deps.queues);
        for (const [queue, depth] of Object.entries(depths) as [QueueName, number][]) this.set({ queue }, depth);
      } catch (err) {
        // the rest of the scrape is still worth having when the database is away; /readyz says so
        deps.logger.warn({ err }, 'metrics: counting the queues failed');
      }
    },
  });

  return {
    registry,
    async http(ctx, next) {
      const stopTimer = latency.startTimer();
      let status = 500;
      try {
        await next();
        status = ctx.status;
      } catch (error) {
        status = Number((error as { status?: unknown }).status) || 500;
        throw error;
      } finally {
        const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
        const labels = {
          method: knownMethods.has(ctx.method) ? ctx.method : 'OTHER',
          route: matched === undefined ? 'unmatched' : String(matched),
          status_class: `${Math.floor(status / 100)}xx`,
        };
        requests.inc(labels);
        stopTimer(labels);
      }
    },
    jobs: {
      started: (job) => jobRuns.inc({ job }),
      finished(job, outcome, seconds) {
        if (outcome === 'failure') jobFailures.inc({ job });
        if (seconds !== null) jobDuration.observe({ job, outcome }, seconds);
      },
    },
  };
}
