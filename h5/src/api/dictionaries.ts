import { api } from './client.ts';
import type { DictionaryData } from './types.ts';

let dictionaries: Promise<Map<string, DictionaryData>> | null = null;

/** Every dictionary, fetched once per page load. */
export function loadDictionaries(): Promise<Map<string, DictionaryData>> {
  dictionaries ??= api<{ items: DictionaryData[] }>('/api/dictionaries').then((r) => new Map(r.items.map((d) => [d._id, d])));
  return dictionaries;
}
