// One Agenda job per rule, on the rule's own schedule (Asia/Shanghai). A run held by quiet hours
// is scheduled again for the end of the window.
import type { JobRunner } from '../../core/jobs/runner.ts';
import { ruleKinds } from './rule-params.ts';
import type { RulesService } from './rules.service.ts';

export const ruleJob = (kind: string) => `rules.${kind}`;

export function defineRuleJobs(runner: JobRunner, rules: RulesService): void {
  for (const kind of ruleKinds) {
    runner.define(ruleJob(kind), async () => {
      const result = await rules.run(kind);
      if (result.deferredUntil) await runner.agenda.schedule(result.deferredUntil, ruleJob(kind), {});
    });
  }
}

export async function scheduleRuleJobs(runner: JobRunner, rules: RulesService): Promise<void> {
  for (const rule of await rules.list()) {
    await runner.agenda.every(rule.schedule, ruleJob(rule._id), {}, { timezone: 'Asia/Shanghai' });
  }
}
