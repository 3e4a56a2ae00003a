// Applies a chat platform's organisation to Kemai: departments and users are upserted by their
// platform ids, people who left are deactivated (their sessions stop at once) and their customers
// are handed to their department's manager.
import { Types } from 'mongoose';
import type { OrgSnapshot } from '../../platforms/types.ts';
import type { DepartmentModel, Department } from './department.model.ts';
import { userMobile, type ChatPlatformName, type UserModel, type User } from './user.model.ts';

export interface SyncResult {
  departments: number;
  created: number;
  updated: number;
  deactivated: { userId: string; handoverTo: string | null }[];
}

export async function applyOrgSnapshot(
  models: { departments: DepartmentModel; users: UserModel },
  platform: ChatPlatformName,
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
    const parentId = parent?.id ?? null;
    // A department made by hand, or by the other platform's sync, in the same place with the same
    // name is adopted, not duplicated; the company's root is one department whatever each calls it.
    const existing =
      (await models.departments.findOne({ platformRefs: platformRef }, { _id: 1, platformRefs: 1 }).lean<Department>()) ??
      (parentId
        ? await models.departments.findOne({ parentId, name: department.name }, { _id: 1, platformRefs: 1 }).lean<Department>()
        : await models.departments.findOne({ parentId: null }, { _id: 1, platformRefs: 1 }).sort({ _id: 1 }).lean<Department>());
    // the platform that brought a department names it; a second one only links to it
    const namedElsewhere = existing?.platformRefs?.some((r) => !r.startsWith(`${platform}:`)) ?? false;
    const saved = existing
      ? await models.departments
          .findOneAndUpdate(
            { _id: existing._id },
            { $set: { ...(namedElsewhere ? {} : { name: department.name }), parentId, ancestors }, $addToSet: { platformRefs: platformRef } },
            { returnDocument: 'after' },
          )
          .lean<Department>()
          .orFail()
      : (await models.departments.create({ name: department.name, parentId, ancestors, order: 0, platformRefs: [platformRef] })).toObject();
    const entry = { id: saved._id, ancestors };
    ids.set(ref, entry);
    return entry;
  };
  for (const department of snapshot.departments) await place(department.ref);

  const result: SyncResult = { departments: ids.size, created: 0, updated: 0, deactivated: [] };
  const account = `accounts.${platform}`;
  const present = new Set<string>();
  for (const person of snapshot.users) {
    present.add(person.ref);
    const departmentId = person.departmentRef ? (ids.get(person.departmentRef)?.id ?? null) : null;
    // stored encrypted, and found by its blind index
    const mobile = userMobile(person.mobile);
    // the same person on the other platform is found by their mobile, when both platforms give it
    const existing =
      (await models.users.findOne({ [account]: person.ref }).lean<User>()) ??
      (mobile ? await models.users.findOne({ mobileKey: mobile.mobileKey, active: true, [account]: null }).lean<User>() : null);
    if (existing) {
      await models.users.updateOne(
        { _id: existing._id },
        { $set: { name: person.name, departmentId, isManager: person.isManager, active: true, [account]: person.ref, ...mobile } },
      );
      result.updated++;
    } else {
      await models.users.create({
        login: `${platform}.${person.ref}`.toLowerCase().slice(0, 64),
        name: person.name,
        role: person.isManager ? 'manager' : 'rep',
        departmentId,
        isManager: person.isManager,
        active: true,
        accounts: { [platform]: person.ref },
        ...mobile,
      });
      result.created++;
    }
  }

  // People gone from this platform lose their account on it. Only someone with no platform left
  // has left the company: they are deactivated and their customers handed over.
  const linked = await models.users.find({ [account]: { $gt: '' } }, { accounts: 1, active: 1, departmentId: 1 }).lean<User[]>();
  for (const user of linked) {
    const ref = user.accounts?.[platform as ChatPlatformName];
    if (!ref || present.has(ref)) continue;
    const others = Object.entries(user.accounts ?? {}).some(([p, id]) => p !== platform && id);
    if (others) {
      await models.users.updateOne({ _id: user._id }, { $unset: { [account]: '' } });
    } else if (user.active) {
      // the account stays, so someone who comes back is the same user again
      await models.users.updateOne({ _id: user._id }, { $set: { active: false } });
      result.deactivated.push({ userId: user._id.toHexString(), handoverTo: await handoverTo(user) });
    }
  }
  return result;
}
