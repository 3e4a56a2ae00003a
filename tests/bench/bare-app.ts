// The load test's reference: the same routes as Kemai's, answered by a bare Koa handler straight
// from the mongodb driver — the same queries (the caller's customer filter, the same sorts and
// limits, the same keyword filter), without Kemai's layers (sessions, validation, mongoose,
// services, names, views, audit, statistics). The token maps to the caller's precomputed filter.
import Koa from 'koa';
import { ObjectId, type Db, type Document } from 'mongodb';
import { searchFilter } from '../../server/src/modules/standards/index.ts';

export interface BareUser {
  userId: ObjectId;
  /** the caller's customer filter, as Kemai's scope builds it */
  filter: Document;
  /** the same rule for a customer already read by _id: the role's data scope and department subtree */
  dataScope: string;
  departmentSubtree: string[];
}

/** Whether the user sees a customer read by _id alone (Kemai reads by _id, then applies the scope). */
function sees(user: BareUser, c: Document): boolean {
  const me = String(user.userId);
  const mine = String(c.ownerId ?? '') === me || ((c.collaboratorIds as unknown[]) ?? []).some((id) => String(id) === me);
  if (user.dataScope === 'all') return true;
  if (user.dataScope === 'self') return mine;
  return mine || (!!c.ownerDepartmentId && user.departmentSubtree.includes(String(c.ownerDepartmentId)));
}

const sorts: Record<string, [string, 1 | -1]> = {
  updated: ['updatedAt', -1],
  created: ['createdAt', -1],
  lastFollowUp: ['lastFollowUpAt', 1],
  name: ['pinyinKey', 1],
};

async function readJson(req: NodeJS.ReadableStream): Promise<Document> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? (JSON.parse(text) as Document) : {};
}

export function bareApp(db: Db, users: Map<string, BareUser>): Koa {
  const customers = db.collection('customers');
  const contacts = db.collection('contacts');
  const timeline = db.collection('timeline');
  const followUps = db.collection('followUps');
  const app = new Koa();
  // a client that goes away mid-request (autocannon stopping) is not the handler's error
  app.on('error', (error: Error & { code?: string }) => {
    if (error.message !== 'aborted' && error.code !== 'ECONNRESET') process.stderr.write(`bare handler: ${error.stack}\n`);
  });
  app.use(async (ctx) => {
    const user = users.get(ctx.get('authorization').replace(/^Bearer /, ''));
    if (!user) {
      ctx.status = 401;
      return;
    }
    const visible = (extra: Document) => ({ $and: [user.filter, { deletedAt: null }, extra] });
    const path = ctx.path;
    let match: RegExpExecArray | null;
    if (ctx.method === 'GET' && path === '/api/customers') {
      const [field, direction] = sorts[String(ctx.query.sort ?? 'updated')] ?? sorts.updated!;
      const extra: Document = {};
      if (ctx.query.stage) extra.stage = String(ctx.query.stage);
      const items = await customers
        .find(visible(extra))
        .sort({ [field]: direction, _id: direction })
        .limit(Number(ctx.query.limit ?? 20) + 1)
        .toArray();
      ctx.body = { items: items.slice(0, Number(ctx.query.limit ?? 20)) };
    } else if (ctx.method === 'GET' && path === '/api/search') {
      const filter = searchFilter(String(ctx.query.q ?? ''));
      if (!filter) {
        ctx.body = { customers: [], contacts: [] };
        return;
      }
      const [found, candidates] = await Promise.all([
        customers.find(visible(filter)).sort({ updatedAt: -1, _id: -1 }).limit(21).toArray(),
        contacts.find({ $and: [filter, { deletedAt: null }] }).limit(200).toArray(),
      ]);
      const ids = [...new Set(candidates.map((c) => String(c.customerId)))].map((id) => new ObjectId(id));
      const owners = await customers.find({ _id: { $in: ids } }, { projection: { ownerId: 1, ownerDepartmentId: 1, collaboratorIds: 1, deletedAt: 1 } }).toArray();
      const seen = new Set(owners.filter((c) => c.deletedAt === null && sees(user, c)).map((c) => String(c._id)));
      ctx.body = { customers: found.slice(0, 20), contacts: candidates.filter((c) => seen.has(String(c.customerId))).slice(0, 20) };
    } else if ((match = /^\/api\/customers\/([0-9a-f]{24})(\/timeline|\/follow-ups)?$/.exec(path))) {
      const customer = await customers.findOne({ $and: [{ _id: new ObjectId(match[1]), deletedAt: null }, user.filter] });
      if (!customer) {
        ctx.status = 404;
        return;
      }
      if (!match[2] && ctx.method === 'GET') {
        ctx.body = customer;
      } else if (match[2] === '/timeline' && ctx.method === 'GET') {
        ctx.body = { items: await timeline.find({ customerId: customer._id }).sort({ at: -1, _id: -1 }).limit(21).toArray() };
      } else if (match[2] === '/follow-ups' && ctx.method === 'POST') {
        // the same three writes as Kemai's (follow-up, the customer's last follow-up, the timeline)
        const body = await readJson(ctx.req);
        const now = new Date();
        const doc = { customerId: customer._id, contactId: null, method: body.method, content: body.content, nextFollowUpAt: null, stageChange: null, location: null, photoIds: [], at: now, createdBy: user.userId, createdAt: now };
        const { insertedId } = await followUps.insertOne(doc);
        await customers.updateOne({ _id: customer._id }, { $max: { lastFollowUpAt: now }, $set: { nextFollowUpAt: null } });
        await timeline.insertOne({ customerId: customer._id, type: 'followUp', actorId: user.userId, at: now, data: { followUpId: insertedId.toHexString(), method: body.method, content: String(body.content).slice(0, 200) }, key: `followUp:${insertedId}` });
        ctx.status = 201;
        ctx.body = { ...doc, _id: insertedId };
      } else {
        ctx.status = 405;
      }
    } else {
      ctx.status = 404;
    }
  });
  return app;
}
