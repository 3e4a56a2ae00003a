import { api } from './client.ts';
import type { Region } from './types.ts';

let regions: Promise<Region[]> | null = null;

/** The province → city → district tree, fetched once per page load. */
export function loadRegions(): Promise<Region[]> {
  regions ??= api<{ items: Region[] }>('/api/regions').then((r) => r.items);
  return regions;
}
