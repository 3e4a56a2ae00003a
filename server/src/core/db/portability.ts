// What the embedded engine (mongo-java-server) does not run, recognised in the commands the driver
// sends. Tests watch every command through driver monitoring and fail on any of these, so the app
// keeps to what both engines run (see README.md beside this file).
type Doc = Record<string, unknown>;

/** Operators and stages the embedded engine lacks. */
const missingOperators = new Map<string, string>([
  ['$text', '$text queries'],
  ['$dateTrunc', '$dateTrunc'],
  ['$setWindowFields', '$setWindowFields'],
  ['$near', 'geospatial queries'],
  ['$nearSphere', 'geospatial queries'],
  ['$geoWithin', 'geospatial queries'],
  ['$geoIntersects', 'geospatial queries'],
  ['$geoNear', 'geospatial queries'],
  ['$changeStream', 'change streams'],
]);

const missingIndexKinds = new Set(['text', '2dsphere', '2d', 'geoHaystack']);

function walk(value: unknown, visit: (key: string, value: unknown) => void, seen = new WeakSet<object>()): void {
  if (!value || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return;
  if (seen.has(value)) return; // mongoose documents can point back at their parents
  seen.add(value);
  if ((value as { _bsontype?: string })._bsontype) return; // ObjectId, Decimal128, …: leaves
  const toBSON = (value as { toBSON?: () => unknown }).toBSON;
  if (typeof toBSON === 'function') {
    walk(toBSON.call(value), visit, seen); // what the driver will actually send
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit, seen);
    return;
  }
  for (const [key, child] of Object.entries(value as Doc)) {
    visit(key, child);
    walk(child, visit, seen);
  }
}

export function unportableFeatures(commandName: string, command: Doc): string[] {
  const found = new Set<string>();
  if (commandName === 'commitTransaction' || commandName === 'abortTransaction' || 'txnNumber' in command && 'autocommit' in command) {
    found.add('multi-document transactions');
  }
  if ('startTransaction' in command) found.add('multi-document transactions');

  walk(command, (key, value) => {
    const operator = missingOperators.get(key);
    if (operator) found.add(operator);
    if (key === 'collation') found.add('collation (silently ignored by the embedded engine)');
    if (key === '$group' && value && typeof value === 'object') {
      for (const accumulator of Object.values(value as Doc)) {
        if (accumulator && typeof accumulator === 'object' && '$count' in (accumulator as Doc)) {
          found.add('$count as a $group accumulator (use { $sum: 1 })');
        }
      }
    }
  });

  if (commandName === 'createIndexes') {
    for (const index of (command.indexes as Doc[] | undefined) ?? []) {
      if ('partialFilterExpression' in index) found.add('partial indexes');
      if ('expireAfterSeconds' in index) found.add('TTL indexes (they never expire on the embedded engine)');
      for (const kind of Object.values((index.key as Doc | undefined) ?? {})) {
        if (typeof kind === 'string' && missingIndexKinds.has(kind)) found.add(`${kind} indexes`);
      }
    }
  }
  if (commandName === 'update') {
    for (const statement of (command.updates as Doc[] | undefined) ?? []) {
      if (Array.isArray(statement.u)) found.add('update pipelines (array-form updates)');
    }
  }
  if (commandName === 'findAndModify' && Array.isArray(command.update)) {
    found.add('update pipelines (array-form updates)');
  }
  return [...found];
}
