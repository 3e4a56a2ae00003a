// The heap Node was started with, against the one HEAP_LIMIT_MB asks for. `npm start` passes it as
// --max-old-space-size; a process started another way has V8's own limit, sized from the machine's
// memory (about 4 GB on a large one), and lets garbage grow towards it.
import { getHeapStatistics } from 'node:v8';

/** V8 reports the old space's limit plus the young generation's, which is 48 MB at Node's defaults. */
const youngGenerationAllowanceMb = 128;

export function heapLimit(askedMb: number): { heapLimitMb: number; asAsked: boolean } {
  const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / 1_048_576);
  return { heapLimitMb, asAsked: heapLimitMb >= askedMb && heapLimitMb <= askedMb + youngGenerationAllowanceMb };
}
