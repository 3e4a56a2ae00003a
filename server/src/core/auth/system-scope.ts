// The scope jobs and platform events act with when no person is behind them (organisation sync,
// handover): everything, with every permission, recorded in the audit trail as the system.
import { permissions } from './permissions.ts';
import { RequestScope } from './scope.ts';

export const systemUserId = '000000000000000000000000';

export function systemScope(): RequestScope {
  return new RequestScope({
    user: { id: systemUserId, login: 'system', name: '系统', role: 'admin', departmentId: null, isManager: false },
    permissions: new Set(permissions),
    departmentSubtree: [],
  });
}
