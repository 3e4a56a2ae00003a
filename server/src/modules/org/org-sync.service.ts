// Organisation sync from each configured chat platform: run daily by a job and on demand by admins.
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Logger } from '../../core/logger.ts';
import type { ChatPlatform } from '../../platforms/types.ts';
import type { DepartmentModel } from './department.model.ts';
import type { Handover } from './handover.ts';
import type { OrgService } from './org.service.ts';
import { applyOrgSnapshot, type SyncResult } from './org-sync.ts';
import type { UserModel } from './user.model.ts';

export class OrgSyncService {
  private readonly deps: {
    platforms: ChatPlatform[];
    departments: DepartmentModel;
    users: UserModel;
    org: OrgService;
    handover: Handover;
    logger: Logger;
    /** keeps the last sync's outcome for the settings page */
    recordSync?: (result: { ok: boolean; departments?: number; created?: number; updated?: number; deactivated?: number; error?: string }) => Promise<void>;
  };

  constructor(deps: OrgSyncService['deps']) {
    this.deps = deps;
  }

  async sync(actor: RequestScope | null = null): Promise<SyncResult & { handedOver: number }> {
    actor?.require('settings.manage');
    try {
      const result = await this.syncAll();
      await this.deps.recordSync?.({ ok: true, departments: result.departments, created: result.created, updated: result.updated, deactivated: result.deactivated.length });
      return result;
    } catch (error) {
      await this.deps.recordSync?.({ ok: false, error: String((error as Error).message ?? error).slice(0, 200) });
      throw error;
    }
  }

  private async syncAll(): Promise<SyncResult & { handedOver: number }> {
    const result: SyncResult = { departments: 0, created: 0, updated: 0, deactivated: [] };
    for (const platform of this.deps.platforms) {
      if (platform.name === 'dev') continue;
      const snapshot = await platform.syncOrganisation();
      const one = await applyOrgSnapshot({ departments: this.deps.departments, users: this.deps.users }, platform.name, snapshot, (leaver) =>
        leaver.departmentId ? this.deps.org.managerOfDepartment(leaver.departmentId.toHexString(), leaver._id.toHexString()) : Promise.resolve(null),
      );
      result.departments += one.departments;
      result.created += one.created;
      result.updated += one.updated;
      result.deactivated.push(...one.deactivated);
    }
    let handedOver = 0;
    for (const leaver of result.deactivated) {
      if (!leaver.handoverTo) continue;
      // the same handover an admin gives: customers, open contracts, opportunities, tickets, approvals
      const moved = await this.deps.handover.run(leaver.userId, leaver.handoverTo, { locale: 'zh-CN', client: { via: 'job' } });
      handedOver += moved.customers;
    }
    this.deps.logger.info({ ...result, deactivated: result.deactivated.length, handedOver }, 'organisation synced');
    return { ...result, handedOver };
  }
}
