// Organisation administration: users and departments for admins. People and departments synced
// from WeCom or DingTalk are the platform's to change (a sync would undo an edit here), so only
// their role is editable; local ones are fully editable. Handover moves a leaving person's
// customers, contracts and open items to a colleague; running it again moves nothing more.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { registerMessages } from '../../core/i18n.ts';
import type { AuditChange } from '../audit/audit.model.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { RequestMeta } from '../customers/customer.service.ts';
import type { RoleService } from '../roles/role.service.ts';
import type { Department, DepartmentModel } from './department.model.ts';
import type { CreateUserInput, UpdateUserInput } from './org-admin.input.ts';
import type { Handover } from './handover.ts';
import type { OrgService } from './org.service.ts';
import type { User, UserModel } from './user.model.ts';

registerMessages({
  'zh-CN': {
    'error.org.synced': '此用户（或部门）由企业微信/钉钉同步，只能修改角色；其他信息请在平台通讯录中修改',
    'error.org.unknownRole': '没有这个角色',
    'error.org.unknownDepartment': '没有这个部门',
    'error.org.lastAdmin': '这是最后一位在职管理员，不能取消其管理员角色或停用',
    'error.org.loginTaken': '登录名已被使用',
    'error.org.handoverTarget': '只能交接给另一位在职同事',
  },
  en: {
    'error.org.synced': 'This user (or department) is synced from WeCom/DingTalk: only the role can be changed here; change the rest in the platform’s directory',
    'error.org.unknownRole': 'No such role',
    'error.org.unknownDepartment': 'No such department',
    'error.org.lastAdmin': 'This is the last active administrator: the role cannot be taken away nor the user deactivated',
    'error.org.loginTaken': 'This login is already taken',
    'error.org.handoverTarget': 'Hand over to another active colleague',
  },
});

export interface OrgAdminDeps {
  users: UserModel;
  departments: DepartmentModel;
  org: OrgService;
  roles: RoleService;
  handover: Handover;
  audit: AuditService;
}

const synced = (user: Pick<User, 'accounts'>) => !!(user.accounts?.wecom || user.accounts?.dingtalk);
const invalid = (messageKey: string, path: string) => new AppError('VALIDATION', { messageKey, details: [{ path, message: messageKey }] });

export class OrgAdminService {
  private readonly deps: OrgAdminDeps;

  constructor(deps: OrgAdminDeps) {
    this.deps = deps;
  }

  async users(scope: RequestScope) {
    scope.require('settings.manage');
    const users = await this.deps.users.find({}).sort({ login: 1 }).limit(5000).lean<User[]>();
    const departments = await this.deps.org.describeDepartments(users.map((u) => u.departmentId));
    return {
      items: users.map((u) => ({
        id: u._id.toHexString(),
        login: u.login,
        name: u.name,
        role: u.role,
        isManager: u.isManager,
        active: u.active,
        synced: synced(u),
        platforms: Object.keys(u.accounts ?? {}).filter((k) => (u.accounts as Record<string, string | undefined>)[k]),
        department: u.departmentId ? (departments.get(u.departmentId.toHexString()) ?? null) : null,
      })),
    };
  }

  async departmentTree(scope: RequestScope) {
    scope.require('settings.manage');
    const departments = (await this.deps.departments.find({}).limit(5000).lean<Department[]>()).sort((a, b) => a.order - b.order || a.name.localeCompare(b.name, 'zh-CN'));
    return {
      items: departments.map((d) => ({ id: d._id.toHexString(), name: d.name, parentId: d.parentId?.toHexString() ?? null, synced: d.platformRefs.length > 0 })),
    };
  }

  async createUser(scope: RequestScope, input: CreateUserInput, meta: RequestMeta) {
    scope.require('settings.manage');
    await this.checkRole(input.role);
    const departmentId = await this.checkDepartment(input.departmentId);
    let user: User;
    try {
      user = (await this.deps.users.create({ login: input.login, name: input.name, role: input.role, departmentId, isManager: input.isManager, active: true })).toObject() as User;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new AppError('CONFLICT', { messageKey: 'error.org.loginTaken' });
      throw error;
    }
    await this.deps.audit.record(scope, meta.client, [{ action: 'user.create', entity: 'user', entityId: user._id, details: { login: user.login, role: user.role } }]);
    return this.deps.org.toPublicUser(user);
  }

  async updateUser(scope: RequestScope, id: string, input: UpdateUserInput, meta: RequestMeta) {
    scope.require('settings.manage');
    const user = await this.deps.org.findUserById(id);
    if (!user) throw notFound();
    const { role, ...rest } = input;
    if (synced(user) && Object.keys(rest).length > 0) throw invalid('error.org.synced', Object.keys(rest)[0]!);
    if (role !== undefined) await this.checkRole(role);
    const { departmentId, ...plain } = rest;
    const next: Partial<User> = { ...plain, ...(role !== undefined ? { role } : {}) };
    if (departmentId !== undefined) next.departmentId = await this.checkDepartment(departmentId);
    const losesAdmin = user.role === 'admin' && user.active && ((role !== undefined && role !== 'admin') || input.active === false);
    if (losesAdmin && (await this.deps.users.countDocuments({ role: 'admin', active: true })) <= 1) throw new AppError('CONFLICT', { messageKey: 'error.org.lastAdmin' });
    const changes: AuditChange[] = (Object.keys(next) as (keyof User)[])
      .filter((field) => String(user[field] ?? null) !== String(next[field] ?? null))
      .map((field) => ({ field, before: user[field] ?? null, after: next[field] ?? null }));
    if (changes.length === 0) return this.deps.org.toPublicUser(user);
    const updated = await this.deps.users.findOneAndUpdate({ _id: user._id }, { $set: next }, { returnDocument: 'after' }).lean<User>();
    // a role or deactivation holds from the next request: every request reads the user and the role
    await this.deps.audit.record(scope, meta.client, [{ action: 'user.update', entity: 'user', entityId: user._id, changes }]);
    return this.deps.org.toPublicUser(updated!);
  }

  async createDepartment(scope: RequestScope, input: { name: string; parentId: string | null }, meta: RequestMeta) {
    scope.require('settings.manage');
    const parent = input.parentId ? await this.deps.departments.findById(input.parentId).lean<Department>() : null;
    if (input.parentId && !parent) throw invalid('error.org.unknownDepartment', 'parentId');
    const path = parent ? [...(await this.namesOf([...parent.ancestors, parent._id]))] : [];
    const id = await this.deps.org.ensureDepartmentPath([...path, input.name]);
    await this.deps.audit.record(scope, meta.client, [{ action: 'department.create', entity: 'department', entityId: id, details: { name: input.name } }]);
    return { id: id.toHexString(), name: input.name, parentId: input.parentId, synced: false };
  }

  async renameDepartment(scope: RequestScope, id: string, name: string, meta: RequestMeta) {
    scope.require('settings.manage');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const department = await this.deps.departments.findById(id).lean<Department>();
    if (!department) throw notFound();
    if (department.platformRefs.length > 0) throw invalid('error.org.synced', 'name');
    try {
      await this.deps.departments.updateOne({ _id: department._id }, { $set: { name } });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new AppError('CONFLICT');
      throw error;
    }
    await this.deps.audit.record(scope, meta.client, [{ action: 'department.update', entity: 'department', entityId: department._id, changes: [{ field: 'name', before: department.name, after: name }] }]);
    return { id, name, parentId: department.parentId?.toHexString() ?? null, synced: false };
  }

  /** Hands a person's customers, open contracts, open opportunities and open tickets to a colleague. */
  async handover(scope: RequestScope, fromId: string, toId: string, meta: RequestMeta) {
    scope.require('settings.manage');
    const [from, to] = await Promise.all([this.deps.org.findUserById(fromId), this.deps.org.findUserById(toId)]);
    if (!from) throw notFound();
    if (!to || !to.active || to._id.equals(from._id)) throw invalid('error.org.handoverTarget', 'toUserId');
    const moved = await this.deps.handover.run(fromId, toId, meta);
    await this.deps.audit.record(scope, meta.client, [{ action: 'user.handover', entity: 'user', entityId: from._id, details: { toUserId: toId, ...moved } }]);
    return moved;
  }

  private async checkRole(role: string): Promise<void> {
    if (!(await this.deps.roles.exists(role))) throw invalid('error.org.unknownRole', 'role');
  }

  private async checkDepartment(id: string | null): Promise<Types.ObjectId | null> {
    if (id === null) return null;
    if (!(await this.deps.departments.exists({ _id: new Types.ObjectId(id) }))) throw invalid('error.org.unknownDepartment', 'departmentId');
    return new Types.ObjectId(id);
  }

  private async namesOf(ids: Types.ObjectId[]): Promise<string[]> {
    const names = await this.deps.org.departmentNames(ids);
    return ids.map((id) => names.get(id.toHexString()) ?? '');
  }
}
