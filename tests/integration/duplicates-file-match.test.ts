// An import's file is matched against the stored customers by their blocking keys, a slice of the
// file at a time: it must find for every row what the one-record lookup (the create check's)
// finds, including a stored customer that rows in several slices share.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresOf, type Features } from '../../server/src/modules/duplicates/features.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let rep: string;

beforeAll(async () => {
  t = await startTestApp();
  rep = await t.login('rep.east1');
});
afterAll(() => t.close());

const stored = [
  { type: 'company', name: '上海华信物流有限公司', industry: '其他', source: '官网', phones: ['13800001111'], address: '上海市浦东新区张江路88号' },
  { type: 'company', name: '杭州云帆科技有限公司', industry: '互联网', source: '官网', phones: ['13800002222'] },
  { type: 'company', name: '深圳云帆电子有限公司', industry: '互联网', source: '展会', phones: ['057188886666'] },
  { type: 'person', name: '王建国', source: '转介绍', phones: ['13800003333'] },
  { type: 'company', name: '北京正源建材有限公司', industry: '其他', source: '官网', email: 'sales@zhengyuan.cn' },
];

function record(i: number): Features {
  // most rows are customers of their own; some repeat a stored one, in every slice of the file
  const repeats = [
    { type: 'company' as const, name: '华信物流（上海）有限公司', phones: ['+86 138 0000 1111'] },
    { type: 'company' as const, name: '杭州云帆科技有限公司', phones: [] },
    { type: 'person' as const, name: '王建国', phones: ['138-0000-3333'] },
    { type: 'company' as const, name: '正源建材', phones: [], emails: ['SALES@zhengyuan.cn'] },
  ];
  const repeat = i % 450 === 7 ? repeats[(i / 450) % repeats.length | 0]! : null;
  return featuresOf({
    type: repeat?.type ?? 'company',
    name: repeat?.name ?? `第${i}号试验${['商贸', '电子', '餐饮', '咨询'][i % 4]}有限公司`,
    phones: repeat?.phones ?? [`139${String(i).padStart(8, '0')}`],
    emails: repeat?.emails ?? [],
    contacts: [],
    region: null,
    address: null,
  });
}

describe('matching a whole file against the stored customers', () => {
  it('finds for every row of a 2,500-row file what the single lookup finds', async () => {
    for (const customer of stored) {
      const created = await t.request('/api/customers', { method: 'POST', token: rep, json: customer });
      expect(created.status, await created.clone().text()).toBe(201);
    }
    const records = Array.from({ length: 2500 }, (_, i) => record(i));
    const duplicates = t.app.services.duplicates;
    const all = await duplicates.matchAllStored(records);
    const one = await Promise.all(records.map(async (r) => (await duplicates.matchExisting([r]))[0]!));
    const ids = (matches: typeof all) => matches.map((m) => m.map((x) => [x.customer._id.toHexString(), x.score]));
    expect(ids(all)).toEqual(ids(one));
    // the repeats are found, in each slice of the file
    const matched = all.flatMap((m, i) => (m.length ? [i] : []));
    expect(matched.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...matched)).toBeGreaterThan(2000);
  });
});
