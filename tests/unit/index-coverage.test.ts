import { describe, expect, it } from 'vitest';
import { isServed, shapesOf } from '../helpers/index-coverage.ts';

const customerIndexes: Record<string, number>[] = [
  { ownerId: 1, deletedAt: 1, updatedAt: -1, _id: -1 },
  { collaboratorIds: 1, deletedAt: 1, updatedAt: -1, _id: -1 },
  { searchTokens: 1 },
];

describe('index coverage check', () => {
  it('expands a scoped list into one shape per $or branch, each served by an index', () => {
    const shapes = shapesOf('find', {
      find: 'customers',
      filter: { $and: [{ $or: [{ ownerId: 'u' }, { collaboratorIds: 'u' }] }, { deletedAt: null }, { stage: 'lead' }] },
      sort: new Map([['updatedAt', -1], ['_id', -1]]),
    });
    expect(shapes.map((s) => s.equality.sort())).toEqual([
      ['deletedAt', 'ownerId', 'stage'],
      ['collaboratorIds', 'deletedAt', 'stage'],
    ]);
    expect(shapes.every((s) => isServed(s, customerIndexes))).toBe(true);
  });

  it('reads a reversed sort as the same index backwards, but not a mixed one', () => {
    const shape = (sort: [string, 1 | -1][]) => ({ collection: 'customers', equality: ['ownerId', 'deletedAt'], range: [], sort });
    expect(isServed(shape([['updatedAt', 1], ['_id', 1]]), customerIndexes)).toBe(true);
    expect(isServed(shape([['createdAt', -1]]), customerIndexes)).toBe(false);
  });

  it('fails a filter on an unindexed field and a sort no index provides', () => {
    expect(isServed({ collection: 'customers', equality: ['industry'], range: [], sort: [] }, customerIndexes)).toBe(false);
    expect(isServed({ collection: 'customers', equality: [], range: [], sort: [['name', 1]] }, customerIndexes)).toBe(false);
    expect(isServed({ collection: 'customers', equality: [], range: [], sort: [] }, customerIndexes)).toBe(false);
  });

  it('accepts estimatedDocumentCount (a count without a query: collection metadata), not a counted filter', () => {
    expect(shapesOf('count', { count: 'pendingCards' })).toEqual([]);
    expect(shapesOf('count', { count: 'customers', query: { industry: 'x' } }).some((s) => isServed(s, customerIndexes))).toBe(false);
  });

  it('accepts lookups by _id and whole reads of small reference collections', () => {
    expect(isServed({ collection: 'customers', equality: ['_id', 'deletedAt'], range: [], sort: [] }, [])).toBe(true);
    expect(isServed({ collection: 'dictionaries', equality: [], range: [], sort: [] }, [])).toBe(true);
  });

  it('treats ranges after the equality prefix as served', () => {
    const shape = { collection: 'sessions', equality: [], range: ['expiresAt'], sort: [] as [string, 1 | -1][] };
    expect(isServed(shape, [{ expiresAt: 1 }])).toBe(true);
    expect(isServed(shape, [{ userId: 1, expiresAt: 1 }])).toBe(false);
  });
});
