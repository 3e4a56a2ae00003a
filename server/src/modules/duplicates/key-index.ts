// The blocking keys of a list of records, indexed: key → the records that hold it. An import keeps
// one for every valid row of its file while it groups the rows and matches the stored customers
// (100k rows hold some 600k keys), so keys are kept as 30-bit hashes, not strings. A collision only
// puts two records in one block, where they are scored like any other pair and the score decides.
import { blockingKeys, type Features } from './features.ts';

/**
 * The key's hash, with the lowest bit telling an exact identity (a phone or email key, compared
 * however many records share it) from the rest. 30 bits keep every hash a small integer, which a
 * Map holds without allocating.
 */
export function keyHash(key: string): number {
  let h = 0x811c9dc5; // FNV-1a over the UTF-16 code units
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h & 0x3ffffffe) | (/^[mte]:/.test(key) ? 1 : 0);
}

/** Whether a hash is of a phone or email key. */
export const isIdentityHash = (hash: number) => (hash & 1) === 1;

/** A record's blocking keys as hashes, each once. */
export const keyHashes = (f: Features): number[] => [...new Set(blockingKeys(f).map(keyHash))];

export class KeyIndex {
  // most keys belong to one record: a bare index saves an array for each of them
  private readonly blocks = new Map<number, number | number[]>();

  constructor(records: readonly Features[]) {
    records.forEach((f, i) => {
      for (const hash of keyHashes(f)) {
        const held = this.blocks.get(hash);
        if (held === undefined) this.blocks.set(hash, i);
        else if (typeof held === 'number') this.blocks.set(hash, [held, i]);
        else held.push(i);
      }
    });
  }

  /** The records holding a key (by its hash), in list order. */
  members(hash: number): readonly number[] {
    const held = this.blocks.get(hash);
    return held === undefined ? [] : typeof held === 'number' ? [held] : held;
  }

  /** How many records hold a key (by its hash). */
  size(hash: number): number {
    const held = this.blocks.get(hash);
    return held === undefined ? 0 : typeof held === 'number' ? 1 : held.length;
  }

  /** Each key held by two records or more, with its records. */
  *shared(): Generator<[hash: number, members: readonly number[]]> {
    for (const [hash, held] of this.blocks) if (typeof held !== 'number') yield [hash, held];
  }
}
