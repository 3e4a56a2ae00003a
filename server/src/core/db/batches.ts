// A cursor handed out in batches: large reads (exports, scans) without holding the whole result.
// The cursor is closed however the consumer stops (a download cut off, a scan that returns early).

interface ClosableCursor<T> extends AsyncIterable<T> {
  close(): Promise<unknown>;
}

export async function* inBatches<T>(cursor: ClosableCursor<T>, size: number): AsyncGenerator<T[]> {
  try {
    let batch: T[] = [];
    for await (const item of cursor) {
      batch.push(item);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    await cursor.close();
  }
}
