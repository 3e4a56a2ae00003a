// Organisation sync from the active chat platform: run daily by a job and on demand by admins.
import type { RequestScope } from '../../core/auth/scope.ts';
import { systemScope } from '../../core/auth/system-scope.ts';
import type { Logger } from '../../core/logger.ts';
import type { ChatPlatform } from '../../platforms/types.ts';
import type { PoolService } from '../customers/pool.service.ts';
import type { DepartmentModel } from './department.model.ts';
import type { OrgService } from './org.service.ts';
import { applyOrgSnapshot, type SyncResult } from './org-sync.ts';
import type { UserModel } from './user.model.ts';

export class OrgSyncService {
  private readonly deps: { platform: ChatPlatform; departments: DepartmentModel; users: UserModel; org: OrgService; pool: PoolService; logger: Logger };

  constructor(deps: OrgSyncService['deps']) {
    this.deps = deps;
  }

  async sync(actor: RequestScope | null = null): Promise<SyncResult & { handedOver: number }> {
    actor?.require('settings.manage');
    if (this.deps.platform.name === 'dev') return { departments: 0, created: 0, updated: 0, deactivated: [], handedOver: 0 };
    const snapshot = await this.deps.platform.syncOrganisation();
    const result = await applyOrgSnapshot({ departments: this.deps.departments, users: this.deps.users }, this.deps.platform.name, snapshot, (leaver) =>
      leaver.departmentId ? this.deps.org.managerOfDepartment(leaver.departmentId.toHexString(), leaver._id.toHexString()) : Promise.resolve(null),
    );
    let handedOver = 0;
    for (const leaver of result.deactivated) {
      if (!leaver.handoverTo) continue;
      const { transferred } = await this.deps.pool.transferAll(systemScope(), leaver.userId, leaver.handoverTo, {
        locale: 'zh-CN',
        client: { via: 'job' },
      });
      handedOver += transferred;
    }
    this.deps.logger.info({ ...result, deactivated: result.deactivated.length, handedOver }, 'organisation synced');
    return { ...result, handedOver };
  }
}
