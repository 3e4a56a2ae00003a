// Index coverage: the shape of every query the suite sends (collection, equality fields, range
// fields, sort) must be served by a declared index, read as MongoDB would: equality fields first,
// then the sort, then a range, as a prefix of one index. The embedded engine plans no query with a
// non-unique index, so this is how the suite proves lists stay fast on MongoDB.
import type { Connection } from 'mongoose';

type Doc = Record<string, unknown>;

export interface QueryShape {
  collection: string;
  equality: string[];
  range: string[];
  sort: [string, 1 | -1][];
}

/** Collections written by libraries (their own indexes) or small enough to read whole. */
const exempt = new Set(['agendaJobs', 'agenda_logs']);
// files.files: the driver's GridFS probes it with an empty findOne before its first upload
const smallReferenceCollections = new Set(['departments', 'users', 'dictionaries', 'settings', 'pools', 'rules', 'files.files']);
const libraryIndexes: Record<string, Record<string, 1 | -1>[]> = {
  // the driver's, and the one GridFsStorage.ensureIndexes adds for customer merges
  'files.files': [{ filename: 1, uploadDate: 1 }, { 'metadata.customerId': 1 }],
  'files.chunks': [{ files_id: 1, n: 1 }],
};

const equalityOperators = new Set(['$eq', '$in', '$all', '$elemMatch', '$size']);

function classify(filter: Doc, equality: Set<string>, range: Set<string>): Doc[][] {
  // returns the $or alternatives still to expand, field conditions are added to the sets
  const alternatives: Doc[][] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and') {
      for (const part of condition as Doc[]) alternatives.push(...classify(part, equality, range));
    } else if (key === '$or' || key === '$nor') {
      alternatives.push(condition as Doc[]);
    } else if (key.startsWith('$')) {
      continue; // $expr, $comment: no field to index
    } else {
      const field = key.replace(/\.\d+$/, '');
      const operators =
        condition && typeof condition === 'object' && !Array.isArray(condition) && !(condition instanceof Date) && !(condition as { _bsontype?: string })._bsontype
          ? Object.keys(condition as Doc)
          : [];
      const isEquality = operators.length === 0 || !operators[0]!.startsWith('$') || operators.every((op) => equalityOperators.has(op));
      if (isEquality && !/\.\d+$/.test(key)) equality.add(field);
      else range.add(field);
    }
  }
  return alternatives;
}

function expand(collection: string, filter: Doc, sort: [string, 1 | -1][], limit = 64): QueryShape[] {
  const equality = new Set<string>();
  const range = new Set<string>();
  const ors = classify(filter, equality, range);
  let shapes: QueryShape[] = [{ collection, equality: [...equality], range: [...range], sort }];
  for (const alternatives of ors) {
    const next: QueryShape[] = [];
    for (const shape of shapes) {
      for (const alternative of alternatives) {
        for (const sub of expand(collection, alternative, sort, limit)) {
          next.push({
            collection,
            equality: [...new Set([...shape.equality, ...sub.equality])],
            range: [...new Set([...shape.range, ...sub.range])].filter((f) => !shape.equality.includes(f) && !sub.equality.includes(f)),
            sort,
          });
        }
      }
    }
    shapes = next.slice(0, limit);
  }
  return shapes;
}

/** The query shapes in one command the driver sends, if it is a query. */
export function shapesOf(commandName: string, command: Doc): QueryShape[] {
  const collection = String(command[commandName] ?? '');
  if (!collection || exempt.has(collection) || collection.startsWith('system.')) return [];
  // the driver sends sorts as a Map
  const sortOf = (sort: unknown): [string, 1 | -1][] => {
    if (!sort || typeof sort !== 'object') return [];
    const entries = sort instanceof Map ? [...sort.entries()] : Object.entries(sort as Doc);
    return entries.map(([k, v]) => [String(k), Number(v) < 0 ? -1 : 1]);
  };
  switch (commandName) {
    case 'find':
      return expand(collection, (command.filter as Doc) ?? {}, sortOf(command.sort));
    case 'count':
      // no query: estimatedDocumentCount, which MongoDB answers from the collection's metadata
      if (!command.query) return [];
      return expand(collection, (command.query as Doc) ?? {}, []);
    case 'distinct':
      return expand(collection, (command.query as Doc) ?? {}, []);
    case 'findAndModify':
      return expand(collection, (command.query as Doc) ?? {}, sortOf(command.sort));
    case 'update':
      return ((command.updates as Doc[]) ?? []).flatMap((u) => expand(collection, (u.q as Doc) ?? {}, []));
    case 'delete':
      return ((command.deletes as Doc[]) ?? []).flatMap((d) => expand(collection, (d.q as Doc) ?? {}, []));
    case 'aggregate': {
      const pipeline = (command.pipeline as Doc[]) ?? [];
      const match = pipeline[0]?.$match as Doc | undefined;
      const sortStage = pipeline.find((stage) => '$sort' in stage)?.$sort;
      return match ? expand(collection, match, sortOf(sortStage)) : [];
    }
    default:
      return [];
  }
}

export function isServed(shape: QueryShape, indexes: Record<string, number>[]): boolean {
  if (shape.equality.includes('_id')) return true;
  // a walk in _id order (batches after the last _id seen) is served by the implicit _id index
  const onlyId = ([field]: [string, unknown] | string[]) => field === '_id';
  if (shape.equality.length === 0 && shape.range.every((f) => f === '_id') && shape.sort.length > 0 && shape.sort.every(onlyId)) return true;
  const sort = shape.sort.filter(([field]) => !shape.equality.includes(field) && field !== '_id');
  if (shape.equality.length === 0 && shape.range.length === 0 && sort.length === 0) {
    return smallReferenceCollections.has(shape.collection);
  }
  return indexes.some((index) => {
    const keys = Object.entries(index);
    let i = 0;
    let usedEquality = 0;
    while (i < keys.length && shape.equality.includes(keys[i]![0])) {
      i++;
      usedEquality++;
    }
    let direction = 0;
    for (const [field, wanted] of sort) {
      // equality fields may sit between sort keys in the index
      while (i < keys.length && shape.equality.includes(keys[i]![0])) i++;
      const key = keys[i];
      if (!key || key[0] !== field) return false;
      const relative = Math.sign(Number(key[1])) === wanted ? 1 : -1;
      if (direction !== 0 && relative !== direction) return false;
      direction = relative;
      i++;
    }
    const usesRange = i < keys.length && shape.range.includes(keys[i]![0]);
    return usedEquality > 0 || sort.length > 0 || usesRange;
  });
}

export function declaredIndexes(connection: Connection): Map<string, Record<string, number>[]> {
  const byCollection = new Map<string, Record<string, number>[]>();
  for (const model of Object.values(connection.models)) {
    byCollection.set(
      model.collection.collectionName,
      model.schema.indexes().map(([fields]) => fields as Record<string, number>),
    );
  }
  for (const [collection, indexes] of Object.entries(libraryIndexes)) byCollection.set(collection, indexes);
  return byCollection;
}

export function describeShape(shape: QueryShape): string {
  const sort = shape.sort.map(([f, d]) => `${f}:${d}`).join(',');
  return `${shape.collection} eq[${shape.equality.join(',')}] range[${shape.range.join(',')}] sort[${sort}]`;
}
