// Opaque cursors for keyset pagination: the sort value and the _id of the last item of a page.
import { Types } from 'mongoose';
import { AppError } from '../errors.ts';

export interface CursorPosition {
  /** the sort field's value of the last item (ISO date, string, number or null) */
  value: string | number | null;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.value, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (!cursor) return undefined;
  try {
    const [value, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    if (typeof id !== 'string' || !Types.ObjectId.isValid(id)) throw new Error('bad id');
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') throw new Error('bad value');
    return { value, id };
  } catch {
    throw new AppError('VALIDATION', { messageKey: 'error.cursor.invalid' });
  }
}

/**
 * The filter for "after this position" in a sort on `field` then _id, both in `direction`
 * (MongoDB puts nulls lowest). `revive` turns the cursor's value back into the stored type.
 */
export function afterCursor(
  field: string,
  direction: 1 | -1,
  position: CursorPosition,
  revive: (value: string | number | null) => unknown = (v) => v,
): Record<string, unknown> {
  const id = new Types.ObjectId(position.id);
  const value = revive(position.value);
  const beyond = direction === 1 ? '$gt' : '$lt';
  if (value === null) {
    return direction === 1
      ? { $or: [{ [field]: null, _id: { $gt: id } }, { [field]: { $ne: null } }] }
      : { [field]: null, _id: { $lt: id } };
  }
  const or: Record<string, unknown>[] = [{ [field]: { [beyond]: value } }, { [field]: value, _id: { [beyond]: id } }];
  if (direction === -1) or.push({ [field]: null });
  return { $or: or };
}

/** Dates travel in cursors as ISO strings. */
export const reviveDate = (value: string | number | null): Date | null => (value === null ? null : new Date(value));

/**
 * One page of rows read with `limit + 1`: the page, and the cursor for the next one when there is
 * more. `sortValue` gives the sort field's value of a row.
 */
export function pageOf<T extends { _id: Types.ObjectId }>(
  rows: T[],
  limit: number,
  sortValue: (row: T) => Date | string | number | null | undefined,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  if (rows.length <= limit || !last) return { page, nextCursor: null };
  const value = sortValue(last);
  return { page, nextCursor: encodeCursor({ value: value instanceof Date ? value.toISOString() : (value ?? null), id: last._id.toHexString() }) };
}
