// The roles and permissions matrix: built-in roles as shaped by the admins, and custom roles.
// Every request reads the current definition (AuthService), so a change holds from the next
// request on, in every process; every change is audited with its before and after.
import { Types } from 'mongoose';
import { type FieldRules } from '../../core/auth/field-rules.ts';
import { builtInRoles, defaultRoles, isBuiltInRole, type RoleDefinition } from '../../core/auth/permissions.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { registerMessages } from '../../core/i18n.ts';
import type { AuditChange } from '../audit/audit.model.ts';
import type { AuditService, ClientInfo } from '../audit/audit.service.ts';
import type { UserModel } from '../org/user.model.ts';
import type { CreateRoleInput, UpdateRoleInput } from './role.input.ts';
import type { RoleModel, StoredRole } from './role.model.ts';

registerMessages({
  'zh-CN': {
    'error.role.adminLockout': '管理员角色必须保留“系统设置”权限和“全部”数据范围，否则无人能再修改权限',
    'error.role.inUse': '仍有 {count} 位用户使用此角色，请先为他们更换角色',
    'error.role.exists': '已有同名标识的角色',
    'error.role.builtIn': '内置角色不能删除',
  },
  en: {
    'error.role.adminLockout': 'The administrator role must keep “Manage settings” and the “All” data scope, or nobody could change permissions again',
    'error.role.inUse': '{count} users still have this role; give them another role first',
    'error.role.exists': 'A role with this key already exists',
    'error.role.builtIn': 'Built-in roles cannot be deleted',
  },
});

export interface RoleDeps {
  roles: RoleModel;
  users: UserModel;
  audit: AuditService;
  clock: Clock;
}

const definitionOf = (stored: StoredRole): RoleDefinition => ({
  key: stored.key,
  name: stored.name,
  builtIn: stored.builtIn,
  permissions: stored.permissions,
  dataScope: stored.dataScope,
  fieldRules: Object.fromEntries((Array.isArray(stored.fieldRules) ? stored.fieldRules : []).map((r) => [r.field, r.rule])),
});

const storedRules = (rules: FieldRules): StoredRole['fieldRules'] =>
  Object.entries(rules).map(([field, rule]) => ({ field: field as keyof FieldRules, rule: rule! }));

export class RoleService {
  private readonly deps: RoleDeps;

  constructor(deps: RoleDeps) {
    this.deps = deps;
  }

  /** The current definition of a role, or null for a key no role has (a deleted custom role). */
  async definition(key: string): Promise<RoleDefinition | null> {
    const stored = await this.deps.roles.findOne({ key }).lean<StoredRole>();
    if (stored) return definitionOf(stored);
    return isBuiltInRole(key) ? defaultRoles[key] : null;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.definition(key)) !== null;
  }

  /** Every role, built-in first, with how many active users hold it. */
  async list(scope: RequestScope) {
    scope.require('settings.manage');
    const stored = await this.deps.roles.find({}).sort({ key: 1 }).limit(500).lean<StoredRole[]>();
    const byKey = new Map(stored.map((r) => [r.key, definitionOf(r)]));
    const all = [...builtInRoles.map((key) => byKey.get(key) ?? defaultRoles[key]), ...stored.filter((r) => !r.builtIn).map(definitionOf)];
    // the organisation is small enough to count in memory
    const users = new Map<string, number>();
    for (const u of await this.deps.users.find({}, { role: 1, active: 1 }).lean<{ role: string; active: boolean }[]>()) if (u.active) users.set(u.role, (users.get(u.role) ?? 0) + 1);
    return { items: all.map((role) => ({ ...role, users: users.get(role.key) ?? 0 })) };
  }

  async create(scope: RequestScope, input: CreateRoleInput, client: ClientInfo) {
    scope.require('settings.manage');
    if (isBuiltInRole(input.key) || (await this.deps.roles.exists({ key: input.key }))) throw new AppError('CONFLICT', { messageKey: 'error.role.exists' });
    const base = input.copyOf ? await this.definition(input.copyOf) : null;
    if (input.copyOf && !base) throw notFound();
    const now = this.deps.clock.now();
    let created: StoredRole;
    try {
      created = (
        await this.deps.roles.create({
          key: input.key,
          name: input.name,
          builtIn: false,
          permissions: base && input.permissions.length === 0 ? [...base.permissions] : input.permissions,
          dataScope: base ? base.dataScope : input.dataScope,
          fieldRules: storedRules(base && Object.keys(input.fieldRules ?? {}).length === 0 ? base.fieldRules : (input.fieldRules ?? {})),
          updatedAt: now,
          updatedBy: new Types.ObjectId(scope.user.id),
        })
      ).toObject() as StoredRole;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new AppError('CONFLICT', { messageKey: 'error.role.exists' });
      throw error;
    }
    const role = definitionOf(created);
    await this.deps.audit.record(scope, client, [{ action: 'role.create', entity: 'role', entityId: created._id, details: { key: role.key, role } }]);
    return role;
  }

  async update(scope: RequestScope, key: string, input: UpdateRoleInput, client: ClientInfo) {
    scope.require('settings.manage');
    const before = await this.definition(key);
    if (!before) throw notFound();
    const after: RoleDefinition = {
      ...before,
      ...(input.name ? { name: input.name } : {}),
      ...(input.permissions ? { permissions: [...new Set(input.permissions)] } : {}),
      ...(input.dataScope ? { dataScope: input.dataScope } : {}),
      ...(input.fieldRules ? { fieldRules: input.fieldRules as FieldRules } : {}),
    };
    // the admin role is how permissions are changed at all: it cannot lock itself out
    if (key === 'admin' && (!after.permissions.includes('settings.manage') || after.dataScope !== 'all')) {
      throw new AppError('VALIDATION', { messageKey: 'error.role.adminLockout', details: [{ path: 'permissions', message: 'settings.manage and dataScope all' }] });
    }
    const changes: AuditChange[] = (['name', 'permissions', 'dataScope', 'fieldRules'] as const)
      .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
      .map((field) => ({ field, before: before[field], after: after[field] }));
    if (changes.length === 0) return before;
    const stored = await this.deps.roles
      .findOneAndUpdate(
        { key },
        {
          $set: { name: after.name, permissions: after.permissions, dataScope: after.dataScope, fieldRules: storedRules(after.fieldRules), updatedAt: this.deps.clock.now(), updatedBy: new Types.ObjectId(scope.user.id) },
          $setOnInsert: { builtIn: before.builtIn },
        },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<StoredRole>();
    await this.deps.audit.record(scope, client, [{ action: 'role.update', entity: 'role', entityId: stored!._id, changes, details: { key } }]);
    return definitionOf(stored!);
  }

  async remove(scope: RequestScope, key: string, client: ClientInfo): Promise<void> {
    scope.require('settings.manage');
    if (isBuiltInRole(key)) throw new AppError('VALIDATION', { messageKey: 'error.role.builtIn' });
    const stored = await this.deps.roles.findOne({ key }).lean<StoredRole>();
    if (!stored) throw notFound();
    const holders = await this.deps.users.countDocuments({ role: key, active: true });
    if (holders > 0) throw new AppError('CONFLICT', { messageKey: 'error.role.inUse', params: { count: holders } });
    await this.deps.roles.deleteOne({ _id: stored._id });
    await this.deps.audit.record(scope, client, [{ action: 'role.delete', entity: 'role', entityId: stored._id, details: { key, role: definitionOf(stored) } }]);
  }

  /** The audit entries of a role, newest first. */
  async history(scope: RequestScope, key: string) {
    scope.require('settings.manage');
    const stored = await this.deps.roles.findOne({ key }, { _id: 1 }).lean<StoredRole>();
    if (!stored) return { items: [] };
    const { page } = await this.deps.audit.list({ entity: 'role', entityId: stored._id, limit: 100 });
    return { items: page.map((e) => ({ id: e._id.toHexString(), at: e.at, action: e.action, actorId: e.actorId?.toHexString() ?? null, changes: e.changes })) };
  }
}
