// Duplicates within one list (an import file, a batch of the scheduled scan): records meet only
// through a shared blocking key, pairs that score a match are joined, and each connected set of
// records is one duplicate group.
import type { Features } from './features.ts';
import { isIdentityHash, KeyIndex, keyHashes } from './key-index.ts';
import { scorePair, type PairScore } from './score.ts';

/** A block larger than this (a street shared by a whole office tower) is too vague to compare in. */
const maxBlock = 200;

export interface MatchedPair {
  a: number;
  b: number;
  result: PairScore;
}

/** Matching pairs among the records (indexes into the list), each pair once. */
export function matchingPairs(records: readonly Features[], index = new KeyIndex(records)): MatchedPair[] {
  // phones and emails are exact identities: their blocks are compared whatever their size
  const compared = (hash: number) => isIdentityHash(hash) || index.size(hash) <= maxBlock;
  const pairs: MatchedPair[] = [];
  for (const [hash, members] of index.shared()) {
    if (!compared(hash)) continue;
    // a pair sharing several keys is scored in the block of the first one they share, so no set of
    // pairs already scored is kept (at 100k rows it would hold millions)
    const hashesOf = members.map((m) => keyHashes(records[m]!));
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const [a, b] = [members[i]!, members[j]!];
        if (hashesOf[i]!.find((h) => compared(h) && hashesOf[j]!.includes(h)) !== hash) continue;
        const result = scorePair(records[a]!, records[b]!);
        if (result.match) pairs.push({ a, b, result });
      }
    }
  }
  return pairs;
}

/** Connected groups of matching records (each of two or more), in order of their first member. */
export function groupsOf(count: number, pairs: MatchedPair[]): number[][] {
  const parent = Array.from({ length: count }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (const { a, b } of pairs) {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  }
  return [...groups.values()].filter((g) => g.length > 1).sort((x, y) => x[0]! - y[0]!);
}
