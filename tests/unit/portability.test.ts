import { describe, expect, it } from 'vitest';
import { unportableFeatures } from '../../server/src/core/db/portability.ts';

describe('commands the embedded engine does not run', () => {
  it.each([
    ['find', { find: 'customers', filter: { $text: { $search: '华为' } } }, '$text queries'],
    ['aggregate', { aggregate: 'c', pipeline: [{ $match: { $text: { $search: 'x' } } }] }, '$text queries'],
    ['aggregate', { aggregate: 'c', pipeline: [{ $project: { d: { $dateTrunc: { date: '$at', unit: 'day' } } } }] }, '$dateTrunc'],
    ['aggregate', { aggregate: 'c', pipeline: [{ $setWindowFields: { output: {} } }] }, '$setWindowFields'],
    ['aggregate', { aggregate: 'c', pipeline: [{ $group: { _id: '$a', n: { $count: {} } } }] }, '$count as a $group accumulator (use { $sum: 1 })'],
    ['aggregate', { aggregate: 'c', pipeline: [{ $changeStream: {} }] }, 'change streams'],
    ['find', { find: 'c', filter: { loc: { $near: [1, 2] } } }, 'geospatial queries'],
    ['find', { find: 'c', filter: {}, collation: { locale: 'zh' } }, 'collation (silently ignored by the embedded engine)'],
    ['createIndexes', { createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a', partialFilterExpression: { b: true } }] }, 'partial indexes'],
    ['createIndexes', { createIndexes: 'c', indexes: [{ key: { at: 1 }, name: 'at', expireAfterSeconds: 60 }] }, 'TTL indexes (they never expire on the embedded engine)'],
    ['createIndexes', { createIndexes: 'c', indexes: [{ key: { name: 'text' }, name: 't' }] }, 'text indexes'],
    ['createIndexes', { createIndexes: 'c', indexes: [{ key: { loc: '2dsphere' }, name: 'g' }] }, '2dsphere indexes'],
    ['update', { update: 'c', updates: [{ q: {}, u: [{ $set: { a: 1 } }] }] }, 'update pipelines (array-form updates)'],
    ['findAndModify', { findAndModify: 'c', query: {}, update: [{ $set: { a: 1 } }] }, 'update pipelines (array-form updates)'],
    ['insert', { insert: 'c', documents: [{}], txnNumber: 1, autocommit: false, startTransaction: true }, 'multi-document transactions'],
    ['commitTransaction', { commitTransaction: 1, txnNumber: 1, autocommit: false }, 'multi-document transactions'],
  ])('%s %j → %s', (name, command, feature) => {
    expect(unportableFeatures(name, command)).toContain(feature);
  });

  it.each([
    ['find', { find: 'customers', filter: { ownerId: 1, name: { $regex: '^华' } }, sort: { updatedAt: -1 }, lsid: { id: 'x' } }],
    ['update', { update: 'c', updates: [{ q: { _id: 1, status: 'pending' }, u: { $set: { status: 'approved' } } }] }],
    ['aggregate', { aggregate: 'c', pipeline: [{ $group: { _id: '$a', n: { $sum: 1 } } }, { $sort: { n: -1 } }] }],
    ['createIndexes', { createIndexes: 'c', indexes: [{ key: { login: 1 }, name: 'login', unique: true, sparse: true }] }],
    ['insert', { insert: 'c', documents: [{ text: '$text as a value is fine', collationName: 'x' }] }],
  ])('lets %s through: %j', (name, command) => {
    expect(unportableFeatures(name, command)).toEqual([]);
  });
});
