// Follow-ups and visits go through a persistent queue in IndexedDB: saved first, then sent. A
// closed page or a dead network loses nothing, and the idempotency key each item carries from the
// start means the server never creates one twice, however often it is sent.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { ApiError, NetworkError, api } from '../api/client.ts';
import type { FollowUpInput } from '../api/types.ts';

export interface QueuedFollowUp {
  /** also the idempotency key of the POST */
  id: string;
  customerId: string;
  customerName: string;
  body: Omit<FollowUpInput, 'photoIds'>;
  photos: Blob[];
  /** ids of photos already uploaded, by index, so a retry does not upload them again */
  uploadedPhotoIds: (string | null)[];
  queuedAt: string;
  /** queue order: items logged in the same millisecond still go out in the order they were logged */
  seq: number;
  status: 'pending' | 'failed';
  error?: string;
}

interface QueueSchema extends DBSchema {
  followUps: { key: string; value: QueuedFollowUp };
}

const databaseName = 'kemai-offline';
let database: Promise<IDBPDatabase<QueueSchema>> | null = null;

function db(): Promise<IDBPDatabase<QueueSchema>> {
  database ??= openDB<QueueSchema>(databaseName, 1, {
    upgrade(upgrade) {
      upgrade.createObjectStore('followUps', { keyPath: 'id' });
    },
  });
  return database;
}

let lastSeq = 0;

export async function enqueue(item: Omit<QueuedFollowUp, 'queuedAt' | 'seq' | 'status' | 'uploadedPhotoIds'>): Promise<QueuedFollowUp> {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  const queued: QueuedFollowUp = {
    ...item,
    uploadedPhotoIds: item.photos.map(() => null),
    queuedAt: new Date().toISOString(),
    seq: lastSeq,
    status: 'pending',
  };
  await (await db()).put('followUps', queued);
  return queued;
}

/** Every queued item, oldest first (a queue holds a handful: no index needed). */
export async function listQueued(): Promise<QueuedFollowUp[]> {
  return (await (await db()).getAll('followUps')).sort((a, b) => a.seq - b.seq);
}

export async function discard(id: string): Promise<void> {
  await (await db()).delete('followUps', id);
}

export async function markForRetry(id: string): Promise<void> {
  const store = await db();
  const item = await store.get('followUps', id);
  if (item) await store.put('followUps', { ...item, status: 'pending', error: undefined });
}

export type SendResult = 'sent' | 'offline' | 'failed';

/** Sends one item: its photos first, then the follow-up. */
export async function send(item: QueuedFollowUp): Promise<SendResult> {
  const store = await db();
  try {
    for (const [index, photo] of item.photos.entries()) {
      if (item.uploadedPhotoIds[index]) continue;
      const form = new FormData();
      form.append('file', photo, `photo-${index + 1}.jpg`);
      const uploaded = await api<{ id: string }>('/api/files', { method: 'POST', body: form });
      item.uploadedPhotoIds[index] = uploaded.id;
      await store.put('followUps', item); // remember progress before the next upload
    }
    await api(`/api/customers/${item.customerId}/follow-ups`, {
      method: 'POST',
      body: { ...item.body, photoIds: item.uploadedPhotoIds.filter((id): id is string => !!id) },
      idempotencyKey: item.id,
    });
    await store.delete('followUps', item.id);
    return 'sent';
  } catch (error) {
    if (error instanceof NetworkError) return 'offline';
    if (error instanceof ApiError && error.status >= 500) return 'offline'; // the server will be back
    await store.put('followUps', { ...item, status: 'failed', error: (error as Error).message });
    return 'failed';
  }
}

let running: Promise<{ sent: number; failed: number }> | null = null;
/** a sync was asked for while one ran: what it listed may be stale, or the network came back since */
let again = false;

/**
 * Sends every pending item in order; stops at the first one that cannot reach the server. Asked
 * again while it runs, it makes one more pass when this one ends: the run in progress listed the
 * queue before the items logged since, and may be about to give up on a network that is back.
 */
export function syncQueue(): Promise<{ sent: number; failed: number }> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    const counts = { sent: 0, failed: 0 };
    try {
      do {
        again = false;
        for (const listed of await listQueued()) {
          // as it is now: the form may have sent it, or the user discarded it, since the listing
          const item = await (await db()).get('followUps', listed.id);
          if (item?.status !== 'pending') continue;
          const result = await send(item);
          if (result === 'offline') break;
          counts[result === 'sent' ? 'sent' : 'failed']++;
        }
      } while (again);
    } finally {
      running = null;
    }
    return counts;
  })();
  return running;
}
