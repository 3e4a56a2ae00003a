// The model boundary of field encryption (see core/crypto/field-cipher.ts): the listed paths hold
// ciphertext in the database and plaintext everywhere in the program. Writes (save, insertMany,
// bulkWrite, update queries) encrypt; reads (queries lean or not, cursors, aggregates) decrypt.
//
// Ciphertext differs for equal values, so an encrypted path cannot be queried, `$addToSet` or
// `$pull`ed: such a query throws here, in development as in production, rather than silently
// matching nothing. Look values up through their blind index instead.
import mongoose, { type AnyBulkWriteOperation, type Schema } from 'mongoose';
import { fieldCipher } from '../crypto/field-cipher.ts';

type Transform = (value: string) => string;

const encrypt: Transform = (value) => fieldCipher().encrypt(value);
const decrypt: Transform = (value) => fieldCipher().decrypt(value);

function mapValue(value: unknown, fn: Transform): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? fn(v) : v));
  return value;
}

/** Applies `fn` to the value at a dotted path of a plain object (results we own), in place. */
function transformAt(target: unknown, path: string[], fn: Transform): void {
  if (target == null || typeof target !== 'object') return;
  if (Array.isArray(target)) {
    for (const item of target) transformAt(item, path, fn);
    return;
  }
  const record = target as Record<string, unknown>;
  const [head, ...rest] = path;
  if (!head || !(head in record)) return;
  if (rest.length === 0) record[head] = mapValue(record[head], fn);
  else transformAt(record[head], rest, fn);
}

function transformDocument(doc: unknown, paths: readonly string[], fn: Transform): void {
  for (const path of paths) transformAt(doc, path.split('.'), fn);
}

/**
 * The same, on a copy along the path: what callers hand in to be written (documents, updates)
 * must not turn into ciphertext in their hands.
 */
function copiedWith(target: unknown, path: string[], fn: Transform): unknown {
  if (target == null || typeof target !== 'object' || target instanceof Date) return target;
  if (Array.isArray(target)) return target.map((item) => copiedWith(item, path, fn));
  const record = target as Record<string, unknown>;
  const [head, ...rest] = path;
  if (!head || !(head in record)) return target;
  return { ...record, [head]: rest.length === 0 ? mapValue(record[head], fn) : copiedWith(record[head], rest, fn) };
}

function encryptedCopy(doc: unknown, paths: readonly string[]): unknown {
  return paths.reduce((copy, path) => copiedWith(copy, path.split('.'), encrypt), doc);
}

/** Encrypts the values an update's operator object sets under the encrypted paths (a copy). */
function encryptSetter(fields: Record<string, unknown>, paths: readonly string[], operator: string): Record<string, unknown> {
  const out = { ...fields };
  for (const key of Object.keys(out)) {
    for (const path of paths) {
      if (key === path) {
        if (operator === '$addToSet' || operator === '$pull' || operator === '$pullAll') {
          throw new Error(`${path} is encrypted: ${operator} cannot compare its values; read, change and $set it`);
        }
        const value = out[key];
        out[key] =
          value && typeof value === 'object' && !Array.isArray(value) && '$each' in value
            ? { ...value, $each: mapValue((value as { $each: unknown }).$each, encrypt) }
            : mapValue(value, encrypt);
      } else if (path.startsWith(`${key}.`)) {
        out[key] = copiedWith(out[key], path.slice(key.length + 1).split('.'), encrypt);
      }
    }
  }
  return out;
}

/** An update (operators, or a replacement document) with its encrypted paths encrypted (a copy). */
function encryptedUpdate(update: unknown, paths: readonly string[]): unknown {
  if (update == null || typeof update !== 'object') return update;
  if (Array.isArray(update)) {
    // an aggregation-pipeline update cannot be encrypted here: refuse it on encrypted paths
    if (paths.some((path) => JSON.stringify(update).includes(`"${path.split('.')[0]}`))) {
      throw new Error(`an update pipeline cannot write the encrypted paths ${paths.join(', ')}`);
    }
    return update;
  }
  const out: Record<string, unknown> = {};
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    if (key.startsWith('$')) out[key] = value && typeof value === 'object' ? encryptSetter(value as Record<string, unknown>, paths, key) : value;
    else plain[key] = value;
  }
  // fields given without an operator are a $set (or a replacement document)
  return { ...out, ...encryptSetter(plain, paths, '$set') };
}

/** The encrypted paths a filter names, anywhere in it ($or, $and, $nor). */
function queriedPaths(filter: unknown, paths: readonly string[], found: Set<string> = new Set()): Set<string> {
  if (filter == null || typeof filter !== 'object') return found;
  if (Array.isArray(filter)) {
    for (const item of filter) queriedPaths(item, paths, found);
    return found;
  }
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (paths.some((path) => key === path || path.startsWith(`${key}.`))) found.add(key);
    else if (key.startsWith('$')) queriedPaths(value, paths, found);
  }
  return found;
}

function refuseQueriesOn(filter: unknown, paths: readonly string[]): void {
  const named = queriedPaths(filter, paths);
  if (named.size > 0) throw new Error(`${[...named].join(', ')} is encrypted and cannot be queried: use its blind index`);
}

const readQueries = ['find', 'findOne', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace'] as const;
const filterQueries = [...readQueries, 'countDocuments', 'deleteOne', 'deleteMany', 'updateOne', 'updateMany', 'replaceOne', 'distinct'] as const;
const updateQueries = ['findOneAndUpdate', 'findOneAndReplace', 'updateOne', 'updateMany', 'replaceOne'] as const;

// the hook's replacement arguments (the typings name only the first)
const overwriteArguments = mongoose.overwriteMiddlewareArguments as unknown as (...args: unknown[]) => void;

interface HydratedLike {
  get(path: string): unknown;
  set(path: string, value: unknown): void;
  unmarkModified(path: string): void;
  isModified(path: string): boolean;
  $locals: Record<string, unknown>;
}

function plainValue(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}

/** Stores `paths` (strings or arrays of strings) encrypted under the process's field keys. */
export function encryptedFields(schema: Schema, paths: readonly string[]): void {
  // hydrated documents: decrypted when loaded, encrypted for the write only, plaintext again after
  schema.post('init', function (this: HydratedLike) {
    for (const path of paths) {
      const value = this.get(path);
      if (value == null) continue;
      const plain = mapValue(plainValue(value), decrypt);
      this.set(path, plain);
      this.unmarkModified(path);
    }
  });
  schema.pre('save', function (this: HydratedLike & { isNew: boolean }) {
    const plain: Record<string, unknown> = {};
    for (const path of paths) {
      const value = this.get(path);
      if (value == null || (!this.isNew && !this.isModified(path))) continue;
      plain[path] = plainValue(value);
      this.set(path, mapValue(plainValue(value), encrypt));
    }
    this.$locals.encryptedFieldsPlain = plain;
  });
  const restore = function (this: HydratedLike) {
    const plain = this.$locals.encryptedFieldsPlain as Record<string, unknown> | undefined;
    if (!plain) return;
    for (const [path, value] of Object.entries(plain)) {
      this.set(path, value);
      this.unmarkModified(path);
    }
    delete this.$locals.encryptedFieldsPlain;
  };
  schema.post('save', restore);
  schema.post('save', { errorHandler: true }, function (this: HydratedLike, error: Error, _doc: unknown, next: (error?: Error) => void) {
    restore.call(this);
    next(error);
  } as never);

  schema.pre('insertMany', function (docs: unknown, options?: unknown) {
    const list = Array.isArray(docs) ? docs : [docs];
    if (list.some((doc) => doc && typeof (doc as { $__?: unknown }).$__ === 'object')) {
      throw new Error('insertMany of an encrypted model takes plain objects, not documents');
    }
    return overwriteArguments(
      list.map((doc) => encryptedCopy(doc, paths)),
      options,
    );
  });
  schema.post('insertMany', function (docs: unknown) {
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      const hydrated = doc as Partial<HydratedLike> | null;
      if (hydrated && typeof hydrated.get === 'function') {
        for (const path of paths) {
          const value = hydrated.get(path);
          if (value == null) continue;
          hydrated.set!(path, mapValue(plainValue(value), decrypt));
          hydrated.unmarkModified!(path);
        }
      } else transformDocument(doc, paths, decrypt);
    }
  });
  schema.pre('bulkWrite', function (ops: AnyBulkWriteOperation[], options?: unknown) {
    const encrypted = ops.map((op) => {
      const [kind, body] = (Object.entries(op)[0] ?? []) as [string?, Record<string, unknown>?];
      if (!kind || !body) return op;
      const next: Record<string, unknown> = { ...body };
      if ('filter' in body) refuseQueriesOn(body.filter, paths);
      if ('document' in body) next.document = encryptedCopy(body.document, paths);
      if ('update' in body) next.update = encryptedUpdate(body.update, paths);
      if ('replacement' in body) next.replacement = encryptedCopy(body.replacement, paths);
      return { [kind]: next };
    });
    return overwriteArguments(encrypted, options);
  });

  schema.pre([...filterQueries], function (this: { getFilter(): unknown }) {
    refuseQueriesOn(this.getFilter(), paths);
  });
  schema.pre([...updateQueries], function (this: { getUpdate(): unknown; setUpdate(update: unknown): void }) {
    this.setUpdate(encryptedUpdate(this.getUpdate(), paths));
  });
  // lean results (hydrated ones were decrypted on init; decrypting plaintext again changes nothing)
  schema.post([...readQueries], function (result: unknown) {
    if (result == null) return;
    for (const doc of Array.isArray(result) ? result : [result]) {
      if (doc && typeof doc === 'object' && typeof (doc as { get?: unknown }).get !== 'function') transformDocument(doc, paths, decrypt);
    }
  });
  schema.post('aggregate', function (result: unknown[]) {
    for (const doc of result) transformDocument(doc, paths, decrypt);
  });
}

/**
 * A copy of a plain document with its encrypted paths encrypted, for the few writes that go to
 * the driver directly (bulk inserts whose duplicate-key errors are read row by row).
 */
export function encryptedDocument<T>(doc: T, paths: readonly string[]): T {
  return encryptedCopy(doc, paths) as T;
}
