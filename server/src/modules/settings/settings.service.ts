// Company settings that admins edit, each section validated by its zod schema with defaults.
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import type { SettingsModel } from './settings.model.ts';

export const settingsSections = {
  pool: z
    .object({
      /** customers a rep may claim from the pool per day (Asia/Shanghai calendar) */
      dailyClaimLimit: z.number().int().min(0).max(1000).default(10),
      /** customers a rep may own at once */
      holdingLimit: z.number().int().min(1).max(100_000).default(300),
      /** days before a rep may re-claim a customer they released */
      cooldownDays: z.number().int().min(0).max(365).default(7),
    })
    .strict(),
  reports: z
    .object({
      /** reps see their department's ranking (names and totals; never others' customers) */
      rankingVisible: z.boolean().default(true),
    })
    .strict(),
} as const;

export type SettingsSection = keyof typeof settingsSections;
export type SettingsOf<S extends SettingsSection> = z.infer<(typeof settingsSections)[S]>;

export class SettingsService {
  private readonly deps: { settings: SettingsModel; clock: Clock };

  constructor(deps: { settings: SettingsModel; clock: Clock }) {
    this.deps = deps;
  }

  async get<S extends SettingsSection>(section: S): Promise<SettingsOf<S>> {
    const stored = await this.deps.settings.findById(section).lean();
    const schema = settingsSections[section];
    const parsed = schema.safeParse(stored?.value ?? {});
    // a stored value that no longer fits (an older version's shape) falls back to the defaults
    return (parsed.success ? parsed.data : schema.parse({})) as SettingsOf<S>;
  }

  async set<S extends SettingsSection>(scope: RequestScope, section: S, value: SettingsOf<S>): Promise<SettingsOf<S>> {
    scope.require('settings.manage');
    await this.deps.settings.updateOne(
      { _id: section },
      { $set: { value, updatedAt: this.deps.clock.now() } },
      { upsert: true },
    );
    return value;
  }
}
