// Every Agenda job the server runs, defined in one place so each process defines the same set.
import type { JobRunner } from './core/jobs/runner.ts';
import type { Services } from './app.ts';
import { defineAuthJobs, scheduleAuthJobs } from './modules/auth/auth.jobs.ts';
import { defineOrgSyncJobs, scheduleOrgSyncJobs } from './modules/org/org-sync.jobs.ts';
import { defineRuleJobs, scheduleRuleJobs } from './modules/rules/rules.jobs.ts';

export const deliverCardsJob = 'cards.deliver';
export const ticketSlaJob = 'tickets.sla';
export const behaviourRollUpJob = 'behaviour.rollUp';
export const campaignSendJob = 'campaigns.send';
export const statsRebuildJob = 'stats.rebuild';
export const importWorkJob = 'imports.work';
export const duplicateScanJob = 'duplicates.scan';
export const qualityCleanJob = 'quality.clean';
export const webhookDeliverJob = 'webhooks.deliver';
export const webhookPurgeJob = 'webhooks.purge';
export const importRowsPurgeJob = 'imports.purgeRows';

export function defineJobs(runner: JobRunner, services: Services): void {
  defineAuthJobs(runner, services.auth);
  // cards held back by send limits or waiting for a retry
  runner.define(deliverCardsJob, async () => {
    await services.cards.deliverDue();
  });
  // tickets about to miss their SLA: the assignee and their manager hear of it once
  runner.define(ticketSlaJob, async () => {
    await services.tickets.warnSlaDue();
  });
  // raw behaviour events past the retention age become daily counts
  runner.define(behaviourRollUpJob, async () => {
    await services.behaviour.rollUp();
  });
  // campaign emails waiting for their turn under the per-minute rate
  runner.define(campaignSendJob, async () => {
    await services.campaigns.sendQueued();
  });
  // the reports' rollups recomputed from the records, correcting any drift
  runner.define(statsRebuildJob, async () => {
    await services.stats.rebuild();
  });
  // imports whose dry run or commit is waiting, or was left by a process that stopped
  runner.define(importWorkJob, async () => {
    await services.imports.work();
    await services.merges.finishInterrupted(); // merges whose records stopped moving midway
  });
  // the weekly duplicate scan that fills the managers' review queue
  runner.define(duplicateScanJob, async () => {
    await services.duplicates.scan();
  });
  // the weekly cleaning: flags (never deletes) and the data-quality snapshot, before Monday's card
  runner.define(qualityCleanJob, async () => {
    await services.quality.clean();
  });
  // webhook deliveries that are due: new ones, and retries after their backoff
  runner.define(webhookDeliverJob, async () => {
    await services.webhooks.deliverDue();
  });
  // delivered and failed webhook deliveries past their 30 days in the log
  runner.define(webhookPurgeJob, async () => {
    await services.webhooks.purge();
  });
  // finished imports' rows past IMPORT_ROWS_RETENTION_DAYS
  runner.define(importRowsPurgeJob, async () => {
    await services.imports.purgeRows();
  });
  defineOrgSyncJobs(runner, services.orgSync);
  defineRuleJobs(runner, services.rules);
}

export async function scheduleJobs(runner: JobRunner, services: Services): Promise<void> {
  await scheduleAuthJobs(runner);
  await scheduleRuleJobs(runner, services.rules);
  await scheduleOrgSyncJobs(runner);
  await runner.agenda.every('15 seconds', deliverCardsJob);
  await runner.agenda.every('5 minutes', ticketSlaJob);
  await runner.agenda.every('30 seconds', campaignSendJob);
  await runner.agenda.every('10 seconds', importWorkJob);
  await runner.agenda.every('5 seconds', webhookDeliverJob);
  await runner.agenda.every('15 4 * * *', webhookPurgeJob, {}, { timezone: 'Asia/Shanghai' });
  await runner.agenda.every('30 4 * * *', importRowsPurgeJob, {}, { timezone: 'Asia/Shanghai' });
  await runner.agenda.every('0 3 * * 0', duplicateScanJob, {}, { timezone: 'Asia/Shanghai' });
  await runner.agenda.every('0 8 * * 1', qualityCleanJob, {}, { timezone: 'Asia/Shanghai' });
  await runner.agenda.every('45 2 * * *', statsRebuildJob, {}, { timezone: 'Asia/Shanghai' });
  await runner.agenda.every('30 3 * * *', behaviourRollUpJob, {}, { timezone: 'Asia/Shanghai' });
}
