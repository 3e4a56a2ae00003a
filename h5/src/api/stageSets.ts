import { api } from './client.ts';
import type { StageSet } from './types.ts';

let stageSets: Promise<StageSet[]> | null = null;

/** The stage sets (新业务, 续约 …), fetched once per page load like the dictionaries. */
export function loadStageSets(): Promise<StageSet[]> {
  stageSets ??= api<{ items: StageSet[] }>('/api/stage-sets').then(
    (r) => r.items,
    (error: unknown) => {
      stageSets = null; // a failed load is tried again next time
      throw error;
    },
  );
  return stageSets;
}
