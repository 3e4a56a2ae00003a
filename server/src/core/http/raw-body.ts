// The request body as text, for the two public endpoints the JSON body parser leaves alone: beacons
// sent as text/plain (no CORS preflight) and HTML form posts. Null when it passes `limitBytes`.
import type { KemaiContext } from './context.ts';

export async function readRawBody(ctx: KemaiContext, limitBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
