import type { JobRunner } from '../../core/jobs/runner.ts';
import type { OrgSyncService } from './org-sync.service.ts';

export const orgSyncJob = 'org.sync';

export function defineOrgSyncJobs(runner: JobRunner, sync: OrgSyncService): void {
  runner.define(orgSyncJob, async () => {
    await sync.sync();
  });
}

/** Every night at two, Asia/Shanghai. */
export async function scheduleOrgSyncJobs(runner: JobRunner): Promise<void> {
  await runner.agenda.every('0 2 * * *', orgSyncJob, {}, { timezone: 'Asia/Shanghai' });
}
