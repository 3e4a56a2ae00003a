// Housekeeping for sessions: expired rows are deleted here, since TTL indexes never expire on the
// embedded engine.
import type { JobRunner } from '../../core/jobs/runner.ts';
import type { AuthService } from './auth.service.ts';

export const purgeSessionsJob = 'auth.sessions.purge';

export function defineAuthJobs(runner: JobRunner, auth: AuthService): void {
  runner.define(purgeSessionsJob, async () => {
    await auth.purgeExpiredSessions();
  });
}

export async function scheduleAuthJobs(runner: JobRunner): Promise<void> {
  await runner.agenda.every('1 hour', purgeSessionsJob);
}
