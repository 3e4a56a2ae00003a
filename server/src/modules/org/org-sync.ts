// Applies a chat platform's organisation to Kemai: departments and users are upserted by their
// platform ids, people who left are deactivated (their sessions stop at once) and their customers
// are handed to their department's manager.
import { Types } from 'mongoose';
import type { OrgSnapshot } from '../../platforms/types.ts';
import type { DepartmentModel, Department } from './department.model.ts';
import type { UserModel, User } from './user.model.ts';

export interface SyncResult {
  departments: number;
  created: number;
  updated: number;
  deactivated: { userId: string; handoverTo: string | null }[];
}

export async function applyOrgSnapshot(
  models: { departments: DepartmentModel; users: UserModel },
  platform: string,
  snapshot: OrgSnapshot,
  handoverTo: (leaver: User) => Promise<string | null>,
): Promise<SyncResult> {
  // departments parent-first, so every parent exists with its ancestors before its children
  const byRef = new Map(snapshot.departments.map((d) => [d.ref, d]));
  const ids = new Map<string, { id: Types.ObjectId; ancestors: Types.ObjectId[] }>();
  const place = async (ref: string): Promise<{ id: Types.ObjectId; ancestors: Types.ObjectId[] }> => {
    const known = ids.get(ref);
    if (known) return known;
    const department = byRef.get(ref)!;
    const parent = department.parentRef && byRef.has(department.parentRef) ? await place(department.parentRef) : null;
    const platformRef = `${platform}:${ref}`;
    const ancestors = parent ? [...parent.ancestors, parent.id] : [];
    // a department made by hand with the same name in the same place is adopted, not duplicated
    const parentId = parent?.id ?? null;
    const existing =
      (await models.departments.findOne({ platformRef }, { _id: 1 }).lean<Department>()) ??
      (await models.departments.findOne({ parentId, name: department.name, platformRef: null }, { _id: 1 }).lean<Department>());
    const saved = await models.departments
      .findOneAndUpdate(
        existing ? { _id: existing._id } : { platformRef },
        { $set: { name: department.name, parentId, ancestors, platformRef }, $setOnInsert: { order: 0 } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<Department>()
      .orFail();
    const entry = { id: saved._id, ancestors };
    ids.set(ref, entry);
    return entry;
  };
  for (const department of snapshot.departments) await place(department.ref);

  const result: SyncResult = { departments: ids.size, created: 0, updated: 0, deactivated: [] };
  const present = new Set<string>();
  for (const person of snapshot.users) {
    present.add(person.ref);
    const departmentId = person.departmentRef ? (ids.get(person.departmentRef)?.id ?? null) : null;
    const existing = await models.users.findOne({ platform, platformUserId: person.ref }).lean<User>();
    if (existing) {
      await models.users.updateOne({ _id: existing._id }, { $set: { name: person.name, departmentId, isManager: person.isManager, active: true } });
      result.updated++;
    } else {
      await models.users.create({
        login: `${platform}.${person.ref}`.toLowerCase().slice(0, 64),
        name: person.name,
        role: person.isManager ? 'manager' : 'rep',
        departmentId,
        isManager: person.isManager,
        active: true,
        platform,
        platformUserId: person.ref,
      });
      result.created++;
    }
  }

  const leavers = await models.users.find({ platform, active: true, platformUserId: { $nin: [...present] } }).lean<User[]>();
  for (const leaver of leavers) {
    await models.users.updateOne({ _id: leaver._id }, { $set: { active: false } });
    result.deactivated.push({ userId: leaver._id.toHexString(), handoverTo: await handoverTo(leaver) });
  }
  return result;
}
