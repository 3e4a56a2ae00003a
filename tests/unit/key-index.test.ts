// The blocking-key index an import keeps for its whole file: keys as small integer hashes, phones
// and emails told apart from the vaguer keys, and the grouping built on it.
import { describe, expect, it } from 'vitest';
import { blockingKeys, featuresFromStored, featuresOf, type DedupeInput } from '../../server/src/modules/duplicates/features.ts';
import { groupsOf, matchingPairs } from '../../server/src/modules/duplicates/grouping.ts';
import { isIdentityHash, KeyIndex, keyHash } from '../../server/src/modules/duplicates/key-index.ts';
import { scorePair } from '../../server/src/modules/duplicates/score.ts';

const company = (name: string, more: Partial<DedupeInput> = {}): DedupeInput => ({ type: 'company', name, ...more });

describe('key hashes', () => {
  it('are small non-negative integers, the same for the same key', () => {
    for (const key of ['n:company:恒通网络科技', 'y:hengtongwangluokeji', 'm:abc~138****8000', 'b:hengtong|杭州市']) {
      const hash = keyHash(key);
      expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 30).toBe(true);
      expect(keyHash(key)).toBe(hash);
    }
    expect(keyHash('y:hengtong')).not.toBe(keyHash('y:hengtang'));
  });

  it('mark phone and email keys as identities, and nothing else', () => {
    expect(['m:x~1', 't:x~2', 'e:x~3'].map((k) => isIdentityHash(keyHash(k)))).toEqual([true, true, true]);
    expect(['n:company:恒通', 'y:hengtong', 'b:hengtong|杭州市', 'c:王伟|杭州市', 'a:杭州市|科技路1号', 'd:hengtong.cn'].map((k) => isIdentityHash(keyHash(k)))).toEqual([
      false, false, false, false, false, false,
    ]);
  });
});

describe('the key index', () => {
  const rows = [
    company('恒通网络科技有限公司', { phones: ['13800138000'] }),
    company('瑞德精密制造有限公司', { phones: ['13900139000'] }),
    company('杭州恒通网络科技有限公司', { phones: ['13800138000'] }),
  ].map(featuresOf);
  const index = new KeyIndex(rows);

  it('lists the records holding a key, in order, and only shared keys as blocks', () => {
    const mobile = keyHash(blockingKeys(rows[0]!).find((k) => k.startsWith('m:'))!);
    expect(index.members(mobile)).toEqual([0, 2]);
    expect(index.members(keyHash(blockingKeys(rows[1]!)[0]!))).toEqual([1]);
    expect(index.members(keyHash('n:company:nobody'))).toEqual([]);
    const blocks = [...index.shared()];
    expect(blocks.length).toBeGreaterThan(0);
    for (const [, members] of blocks) expect(members.length).toBeGreaterThan(1);
    expect(blocks.some(([, members]) => members.includes(1))).toBe(false);
  });

  it('reports a pair sharing several keys once', () => {
    const pairs = matchingPairs(rows, index);
    expect(pairs.map(({ a, b }) => [a, b])).toEqual([[0, 2]]);
  });

  it('compares a mobile shared by more records than a block may hold, but not a vague key', () => {
    const switchboard = Array.from({ length: 250 }, (_, i) => featuresOf(company(`${['恒通', '瑞德', '博远', '华美', '新锐'][i % 5]}贸易${i}号有限公司`, { phones: ['13800138000'] })));
    expect(groupsOf(switchboard.length, matchingPairs(switchboard))).toHaveLength(1);
    // 250 firms of one 字号 in one office tower: names a character apart and the same street would
    // match, but the brand and street blocks are too vague to compare in
    const tower = Array.from({ length: 250 }, (_, i) => featuresOf(company(`恒通贸易${i}号有限公司`, { address: '杭州市西湖区科技路1号' })));
    expect(scorePair(tower[1]!, tower[2]!).match).toBe(true);
    const towerIndex = new KeyIndex(tower);
    expect([...towerIndex.shared()].filter(([hash, members]) => !isIdentityHash(hash) && members.length === 250)).toHaveLength(2);
    expect(matchingPairs(tower, towerIndex)).toEqual([]);
  });
});

describe('features read back from stored keys', () => {
  it('score against a row as the row itself would', () => {
    const input = company('杭州恒通网络科技有限公司', { phones: ['13800138000', '0571-88886666', '13800138000'], emails: ['a@hengtong.cn', 'A@hengtong.cn'], contacts: ['王伟'], address: '浙江省杭州市西湖区科技路1号' });
    const row = featuresOf(input);
    expect(row.mobiles).toHaveLength(1);
    expect(row.emails).toHaveLength(1);
    const stored = featuresFromStored({ type: 'company', name: input.name, address: input.address, dedupeKeys: blockingKeys(row) });
    expect(stored).toEqual(row);
    expect(scorePair(row, stored)).toEqual(scorePair(row, row));
  });
});
