// Every Agenda job the server runs, defined in one place so each process defines the same set.
import type { JobRunner } from './core/jobs/runner.ts';
import type { Services } from './app.ts';
import { defineAuthJobs, scheduleAuthJobs } from './modules/auth/auth.jobs.ts';
import { defineOrgSyncJobs, scheduleOrgSyncJobs } from './modules/org/org-sync.jobs.ts';

export function defineJobs(runner: JobRunner, services: Services): void {
  defineAuthJobs(runner, services.auth);
  defineOrgSyncJobs(runner, services.orgSync);
}

export async function scheduleJobs(runner: JobRunner): Promise<void> {
  await scheduleAuthJobs(runner);
  await scheduleOrgSyncJobs(runner);
}
