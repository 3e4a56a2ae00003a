// Departments and users: the organisation every scope, card and escalation is computed from.
import { Types } from 'mongoose';
import type { DepartmentModel, Department } from './department.model.ts';
import { chatPlatformNames, type ChatPlatformName, type UserModel, type User } from './user.model.ts';
import { demoDepartments, demoUsers } from './demo-org.ts';
import type { RequestScope, ScopeUser } from '../../core/auth/scope.ts';
import type { Role } from '../../core/auth/permissions.ts';

export interface OrgDeps {
  departments: DepartmentModel;
  users: UserModel;
}

export interface PublicUser {
  id: string;
  login: string;
  name: string;
  role: Role;
  isManager: boolean;
  department: { id: string; name: string; path: string[] } | null;
}

export interface UserSummary {
  id: string;
  name: string;
  departmentId: string | null;
  active: boolean;
  role: Role;
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;

/** Display names change rarely and are not used for decisions: each process keeps them a minute. */
const displayNameTtlMs = 60_000;
const displayNameCacheSize = 20_000;

class NameCache {
  private readonly entries = new Map<string, { name: string; until: number }>();

  get(id: string): string | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.until < Date.now()) return undefined;
    return entry.name;
  }

  set(id: string, name: string): void {
    if (this.entries.size >= displayNameCacheSize) this.entries.clear();
    this.entries.set(id, { name, until: Date.now() + displayNameTtlMs });
  }
}

export class OrgService {
  private readonly departments: DepartmentModel;
  private readonly users: UserModel;
  private readonly userNames = new NameCache();
  private readonly departmentNameCache = new NameCache();

  constructor(deps: OrgDeps) {
    this.departments = deps.departments;
    this.users = deps.users;
  }

  /**
   * Names of users to show beside records (owners, authors). Served from a short per-process cache;
   * for anything that decides access use describeUsers, which always reads the database.
   */
  async displayNames(ids: (Types.ObjectId | string | null | undefined)[]): Promise<Map<string, string>> {
    return this.cachedNames(ids, this.userNames, async (missing) => {
      const users = await this.users.find({ _id: { $in: missing } }, { name: 1 }).lean<User[]>();
      return users.map((u) => [u._id.toHexString(), u.name]);
    });
  }

  async departmentNames(ids: (Types.ObjectId | string | null | undefined)[]): Promise<Map<string, string>> {
    return this.cachedNames(ids, this.departmentNameCache, async (missing) => {
      const departments = await this.departments.find({ _id: { $in: missing } }, { name: 1 }).lean<Department[]>();
      return departments.map((d) => [d._id.toHexString(), d.name]);
    });
  }

  private async cachedNames(
    ids: (Types.ObjectId | string | null | undefined)[],
    cache: NameCache,
    load: (missing: string[]) => Promise<[string, string][]>,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const id of new Set(ids.filter((id) => !!id).map((id) => String(id)))) {
      const name = cache.get(id);
      if (name === undefined) missing.push(id);
      else out.set(id, name);
    }
    if (missing.length > 0) {
      for (const [id, name] of await load(missing)) {
        cache.set(id, name);
        out.set(id, name);
      }
    }
    return out;
  }

  /** Creates each missing level of a department path and returns the last one's id. */
  async ensureDepartmentPath(path: readonly string[]): Promise<Types.ObjectId> {
    let parentId: Types.ObjectId | null = null;
    const ancestors: Types.ObjectId[] = [];
    for (const [order, name] of path.entries()) {
      const department: Department = await this.upsertDepartment(parentId, name, [...ancestors], order);
      ancestors.push(department._id);
      parentId = department._id;
    }
    if (!parentId) throw new Error('a department path needs at least one name');
    return parentId;
  }

  private async upsertDepartment(parentId: Types.ObjectId | null, name: string, ancestors: Types.ObjectId[], order: number) {
    const attempt = () =>
      this.departments
        .findOneAndUpdate(
          { parentId, name },
          { $setOnInsert: { parentId, name, ancestors, order } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<Department>()
        .orFail();
    try {
      return await attempt();
    } catch (error) {
      // another process inserted the same department at the same moment: read theirs
      if (isDuplicateKey(error)) return attempt();
      throw error;
    }
  }

  async hasUsers(): Promise<boolean> {
    return (await this.users.exists({})) !== null;
  }

  /** Seeds the demo organisation into an empty database; safe to run from two processes at once. */
  async seedDemoOrganisation(): Promise<{ seeded: boolean }> {
    if (await this.hasUsers()) return { seeded: false };
    for (const { path } of demoDepartments) await this.ensureDepartmentPath(path);
    for (const demo of demoUsers) {
      const departmentId = await this.ensureDepartmentPath(demo.department);
      try {
        await this.users.updateOne(
          { login: demo.login },
          {
            $setOnInsert: {
              login: demo.login,
              name: demo.name,
              role: demo.role,
              departmentId,
              isManager: demo.isManager ?? false,
              active: true,
            },
          },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return { seeded: true };
  }

  async findActiveUserByLogin(login: string): Promise<User | null> {
    return this.users.findOne({ login: login.trim().toLowerCase(), active: true }).lean<User>();
  }

  async findUserById(id: string): Promise<User | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    return this.users.findById(id).lean<User>();
  }

  /** The department and every department below it, as id strings. */
  async departmentSubtree(departmentId: Types.ObjectId | string | null | undefined): Promise<string[]> {
    if (!departmentId) return [];
    const id = new Types.ObjectId(String(departmentId));
    const below = await this.departments.find({ ancestors: id }, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>();
    return [id.toHexString(), ...below.map((d) => d._id.toHexString())];
  }

  /** Names and departments of the given users, in one query (for showing owners on lists). */
  async describeUsers(ids: (Types.ObjectId | string | null | undefined)[]): Promise<Map<string, UserSummary>> {
    const wanted = [...new Set(ids.filter((id) => !!id).map((id) => String(id)))];
    const out = new Map<string, UserSummary>();
    if (wanted.length === 0) return out;
    const users = await this.users.find({ _id: { $in: wanted } }, { name: 1, departmentId: 1, active: 1, role: 1 }).lean<User[]>();
    for (const u of users) {
      out.set(u._id.toHexString(), {
        id: u._id.toHexString(),
        name: u.name,
        departmentId: u.departmentId ? u.departmentId.toHexString() : null,
        active: u.active ?? true,
        role: u.role as Role,
      });
    }
    return out;
  }

  /**
   * Where each active user's cards go: one platform and their id there. With only the dev outbox,
   * everyone is reachable by their Kemai id. Otherwise a user linked to several of the configured
   * platforms gets the preferred one when configured, else the one they last used, else the first
   * configured; a user with no account on any of them is not reachable.
   */
  async cardRoutes(ids: string[], platforms: readonly string[], prefer: string | null = null): Promise<Map<string, { platform: string; platformUserId: string }>> {
    const valid = ids.filter((id) => Types.ObjectId.isValid(id));
    const users = await this.users.find({ _id: { $in: valid }, active: true }, { accounts: 1, lastPlatform: 1 }).lean<User[]>();
    const routes = new Map<string, { platform: string; platformUserId: string }>();
    for (const user of users) {
      const id = user._id.toHexString();
      if (platforms.includes('dev')) {
        routes.set(id, { platform: 'dev', platformUserId: id });
        continue;
      }
      const linked = platforms.filter((p) => user.accounts?.[p as ChatPlatformName]);
      const platform = [prefer, user.lastPlatform].find((p) => p && linked.includes(p)) ?? linked[0];
      if (platform) routes.set(id, { platform, platformUserId: user.accounts![platform as ChatPlatformName]! });
    }
    return routes;
  }

  /** The active Kemai user behind a platform account. */
  async findByPlatformAccount(platform: ChatPlatformName, platformUserId: string): Promise<User | null> {
    return this.users.findOne({ [`accounts.${platform}`]: platformUserId, active: true }).lean<User>();
  }

  /** Remembers the platform a user signed in or acted from, so their next cards go there. */
  async markPlatformUsed(userId: string, platform: string): Promise<void> {
    if (!(chatPlatformNames as readonly string[]).includes(platform) || !Types.ObjectId.isValid(userId)) return;
    await this.users.updateOne({ _id: new Types.ObjectId(userId), lastPlatform: { $ne: platform as ChatPlatformName } }, { $set: { lastPlatform: platform as ChatPlatformName } });
  }

  /** Active managers and directors, with the departments and people they lead (for digests). */
  async teams(): Promise<{ managerId: string; departmentIds: string[]; memberIds: string[] }[]> {
    const leaders = await this.users.find({ active: true, role: { $in: ['manager', 'director'] } }, { departmentId: 1 }).lean<User[]>();
    const teams = [];
    for (const leader of leaders) {
      if (!leader.departmentId) continue;
      const departmentIds = await this.departmentSubtree(leader.departmentId);
      const members = await this.users
        .find({ departmentId: { $in: departmentIds.map((id) => new Types.ObjectId(id)) }, active: true }, { _id: 1 })
        .lean<User[]>();
      teams.push({ managerId: leader._id.toHexString(), departmentIds, memberIds: members.map((m) => m._id.toHexString()) });
    }
    return teams;
  }

  /**
   * The nearest active manager of a department: its own, else each parent's in turn. People passed
   * as exceptions are skipped (a departing manager; the submitter of an approval).
   */
  async managerOfDepartment(departmentId: string, except: string | string[] = []): Promise<string | null> {
    return this.nearestAbove(departmentId, { isManager: true }, except);
  }

  /** The nearest active director at or above a department, else any active director. */
  async directorAbove(departmentId: string | null, except: string[] = []): Promise<string | null> {
    const nearest = departmentId ? await this.nearestAbove(departmentId, { role: 'director' }, except) : null;
    if (nearest) return nearest;
    const any = await this.users
      .findOne({ role: 'director', active: true, _id: { $nin: except.map((id) => new Types.ObjectId(id)) } }, { _id: 1 })
      .lean<User>();
    return any?._id.toHexString() ?? null;
  }

  /** For approvers away now: who approves in their place (an active delegate), by approver id. */
  async delegatesOf(ids: string[], now: Date): Promise<Map<string, string>> {
    const valid = ids.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
    const away = await this.users.find({ _id: { $in: valid }, 'delegation.until': { $gt: now } }, { delegation: 1 }).lean<User[]>();
    const delegates = new Set(await this.activeUserIds(away.map((u) => u.delegation!.toUserId.toHexString())));
    const out = new Map<string, string>();
    for (const user of away) {
      const to = user.delegation!.toUserId.toHexString();
      if (delegates.has(to)) out.set(user._id.toHexString(), to);
    }
    return out;
  }

  async setDelegation(userId: string, delegation: { toUserId: string; until: Date } | null): Promise<void> {
    await this.users.updateOne(
      { _id: new Types.ObjectId(userId) },
      { $set: { delegation: delegation ? { toUserId: new Types.ObjectId(delegation.toUserId), until: delegation.until } : null } },
    );
  }

  /** Everyone (active or not: past results count) in a department and the departments below it. */
  async userIdsInDepartmentTree(departmentId: string): Promise<string[]> {
    const subtree = await this.departmentSubtree(departmentId);
    const users = await this.users.find({ departmentId: { $in: subtree.map((id) => new Types.ObjectId(id)) } }, { _id: 1 }).lean<User[]>();
    return users.map((u) => u._id.toHexString());
  }

  /** Active users with this role. */
  async activeUserIdsWithRole(role: Role): Promise<string[]> {
    return (await this.users.find({ role, active: true }, { _id: 1 }).lean<User[]>()).map((u) => u._id.toHexString()).sort();
  }

  /** Of these ids, the users who are active. */
  async activeUserIds(ids: string[]): Promise<string[]> {
    const valid = ids.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
    return (await this.users.find({ _id: { $in: valid }, active: true }, { _id: 1 }).lean<User[]>()).map((u) => u._id.toHexString());
  }

  private async nearestAbove(departmentId: string, match: Record<string, unknown>, except: string | string[]): Promise<string | null> {
    const chain = [departmentId, ...(await this.departmentAncestors(departmentId))];
    const skip = (Array.isArray(except) ? except : [except]).map((id) => new Types.ObjectId(id));
    for (const id of chain) {
      const found = await this.users
        .findOne({ departmentId: new Types.ObjectId(id), active: true, ...match, _id: { $nin: skip } }, { _id: 1 })
        .lean<User>();
      if (found) return found._id.toHexString();
    }
    return null;
  }

  /** The ids of every department above this one, nearest first. */
  async departmentAncestors(departmentId: string): Promise<string[]> {
    if (!Types.ObjectId.isValid(departmentId)) return [];
    const department = await this.departments.findById(departmentId, { ancestors: 1 }).lean<Department>();
    return department ? department.ancestors.map((a) => a.toHexString()).reverse() : [];
  }

  /** The users a caller may assign customers to: themselves; a manager's team; everyone for directors and admins. */
  async assignableUsers(scope: RequestScope): Promise<PublicUser[]> {
    const filter: Record<string, unknown> = { active: true };
    if (!scope.seesAll) {
      if (scope.seesTeam) filter.departmentId = { $in: scope.departmentSubtree.map((id) => new Types.ObjectId(id)) };
      else filter._id = new Types.ObjectId(scope.user.id);
    }
    const users = await this.users.find(filter).sort({ login: 1 }).limit(1000).lean<User[]>();
    const departments = await this.describeDepartments(users.map((u) => u.departmentId));
    return users.map((user) => this.publicUser(user, departments));
  }

  async listActiveUsers(): Promise<PublicUser[]> {
    const users = await this.users.find({ active: true }).sort({ login: 1 }).lean<User[]>();
    const departments = await this.describeDepartments(users.map((u) => u.departmentId));
    return users.map((user) => this.publicUser(user, departments));
  }

  async toPublicUser(user: User): Promise<PublicUser> {
    return this.publicUser(user, await this.describeDepartments([user.departmentId]));
  }

  toScopeUser(user: User): ScopeUser {
    return {
      id: user._id.toHexString(),
      login: user.login,
      name: user.name,
      role: user.role as Role,
      departmentId: user.departmentId ? user.departmentId.toHexString() : null,
      isManager: user.isManager ?? false,
    };
  }

  private publicUser(user: User, departments: Map<string, NonNullable<PublicUser['department']>>): PublicUser {
    return {
      id: user._id.toHexString(),
      login: user.login,
      name: user.name,
      role: user.role as Role,
      isManager: user.isManager ?? false,
      department: user.departmentId ? (departments.get(user.departmentId.toHexString()) ?? null) : null,
    };
  }

  /** Names and root-first paths of the given departments, in two queries whatever their number. */
  async describeDepartments(ids: (Types.ObjectId | null | undefined)[]) {
    const wanted = [...new Set(ids.filter((id): id is Types.ObjectId => !!id).map((id) => id.toHexString()))];
    const described = new Map<string, NonNullable<PublicUser['department']>>();
    if (wanted.length === 0) return described;
    const own = await this.departments.find({ _id: { $in: wanted } }, { name: 1, ancestors: 1 }).lean<Department[]>();
    const ancestorIds = [...new Set(own.flatMap((d) => d.ancestors.map((a) => a.toHexString())))];
    const above = ancestorIds.length
      ? await this.departments.find({ _id: { $in: ancestorIds } }, { name: 1 }).lean<Department[]>()
      : [];
    const names = new Map([...above, ...own].map((d) => [d._id.toHexString(), d.name]));
    for (const department of own) {
      const path = [...department.ancestors.map((a) => names.get(a.toHexString()) ?? ''), department.name];
      described.set(department._id.toHexString(), { id: department._id.toHexString(), name: department.name, path });
    }
    return described;
  }
}
