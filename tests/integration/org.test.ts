import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModels, buildServices } from '../../server/src/app.ts';
import { loadConfig } from '../../config/index.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  expect(db.unportable).toEqual([]);
  await db.drop();
});

const config = loadConfig({ LOG_LEVEL: 'silent' });

describe('demo organisation', () => {
  it('is seeded once, even by two processes starting together', async () => {
    // a second connection stands in for a second server process
    const other = await connectDatabase({ uri: db.uri, dbName: db.dbName });
    try {
      const first = buildModels(db.connection);
      const second = buildModels(other);
      await Promise.all(Object.values(first).map((m) => m.createIndexes()));
      const a = buildServices(first, { config, sessionSecret: 'x'.repeat(32), db: db.connection.db! });
      const b = buildServices(second, { config, sessionSecret: 'x'.repeat(32), db: other.db! });
      await Promise.all([a.org.seedDemoOrganisation(), b.org.seedDemoOrganisation()]);
      expect(await first.users.countDocuments()).toBe(11);
      expect(await first.departments.countDocuments()).toBe(5);
      expect(await a.org.seedDemoOrganisation()).toEqual({ seeded: false });
      expect(await first.users.countDocuments()).toBe(11);
    } finally {
      await other.close();
    }
  });

  it('places every demo user where later features expect them', async () => {
    const models = buildModels(db.connection);
    const { org } = buildServices(models, { config, sessionSecret: 'x'.repeat(32), db: db.connection.db! });
    const users = await org.listActiveUsers();
    const where = Object.fromEntries(users.map((u) => [u.login, [u.name, u.role, u.department?.path.join(' › ')]]));
    expect(where).toEqual({
      admin: ['系统管理员', 'admin', '总部'],
      director: ['孙浩', 'director', '总部 › 销售中心'],
      'manager.east': ['张伟', 'manager', '总部 › 销售中心 › 华东大区'],
      'manager.south': ['陈静', 'manager', '总部 › 销售中心 › 华南大区'],
      'rep.east1': ['李娜', 'rep', '总部 › 销售中心 › 华东大区'],
      'rep.east2': ['王芳', 'rep', '总部 › 销售中心 › 华东大区'],
      'rep.east3': ['刘洋', 'rep', '总部 › 销售中心 › 华东大区'],
      'rep.south1': ['杨丽', 'rep', '总部 › 销售中心 › 华南大区'],
      'rep.south2': ['赵磊', 'rep', '总部 › 销售中心 › 华南大区'],
      'rep.south3': ['黄敏', 'rep', '总部 › 销售中心 › 华南大区'],
      service1: ['周强', 'service', '总部 › 客服部'],
    });
    expect(users.find((u) => u.login === 'manager.east')!.isManager).toBe(true);
    expect(users.find((u) => u.login === 'rep.east1')!.isManager).toBe(false);
  });

  it('computes a department subtree from the stored ancestors', async () => {
    const models = buildModels(db.connection);
    const { org } = buildServices(models, { config, sessionSecret: 'x'.repeat(32), db: db.connection.db! });
    const names = async (path: string[]) => {
      const id = await org.ensureDepartmentPath(path);
      const subtree = await org.departmentSubtree(id);
      const departments = await models.departments.find({ _id: { $in: subtree } }).lean();
      return departments.map((d) => d.name).sort();
    };
    expect(await names(['总部', '销售中心'])).toEqual(['华东大区', '华南大区', '销售中心'].sort());
    expect(await names(['总部', '销售中心', '华东大区'])).toEqual(['华东大区']);
    expect((await names(['总部'])).length).toBe(5);
  });
});
