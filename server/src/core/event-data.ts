// Helpers for the services that publish domain events (core/events.ts): the record as compact plain
// JSON, and publishing that can never fail the write it follows.
import type { DomainEvent, EventPublisher } from './events.ts';
import type { Logger } from './logger.ts';

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function plain(value: unknown): Plain | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if ((value as { _bsontype?: string })._bsontype === 'ObjectId') return String(value);
  if (Array.isArray(value)) return value.map((v) => plain(v) ?? null);
  if (typeof value === 'object') {
    const out: Record<string, Plain> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const p = plain(v);
      if (p !== undefined) out[key === '_id' ? 'id' : key] = p;
    }
    return out;
  }
  return String(value);
}

/**
 * The fields an integration reads of a record, ids as strings and dates as ISO text, its
 * `externalIds` (the ids other systems gave it) when it has any. Derived keys and internals stay out.
 */
export function eventData(record: object, fields: readonly string[]): Record<string, unknown> {
  const source = record as Record<string, unknown>;
  const data: Record<string, unknown> = { id: String(source._id) };
  for (const field of fields) {
    const value = plain(source[field]);
    if (value !== undefined) data[field] = value;
  }
  const external = source.externalIds;
  if (external && typeof external === 'object' && Object.keys(external).length > 0) data.externalIds = plain(external);
  return data;
}

/** Publishes after a write that has landed: a listener's failure is logged (type and error name only) and swallowed. */
export async function publishQuietly(publisher: EventPublisher, events: DomainEvent[], logger?: Logger): Promise<void> {
  if (events.length === 0) return;
  try {
    await publisher.publish(events);
  } catch (error) {
    logger?.error({ types: events.map((e) => e.type), error: (error as Error)?.name ?? 'Error' }, 'publishing domain events failed');
  }
}
