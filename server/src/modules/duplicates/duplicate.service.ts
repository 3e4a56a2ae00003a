// Duplicate detection against the stored customers: candidates found by shared blocking keys
// (indexed on each customer), then scored. Used by imports, by the create check's hints and by the
// scheduled scan. What it returns about a customer is filtered by the caller's scope elsewhere.
import type { CustomerService, DedupeCandidate } from '../customers/customer.service.ts';
import { blockingKeys, featuresFromStored, type Features } from './features.ts';
import { scorePair, type Reason } from './score.ts';

export interface ExistingMatch {
  customer: DedupeCandidate;
  score: number;
  reasons: Reason[];
}

export interface DuplicateDeps {
  customers: CustomerService;
}

export class DuplicateService {
  private readonly deps: DuplicateDeps;

  constructor(deps: DuplicateDeps) {
    this.deps = deps;
  }

  /** For each record, the stored customers it matches, best first (at most `limit` each). */
  async matchExisting(records: Features[], limit = 3): Promise<ExistingMatch[][]> {
    const keysOf = records.map((f) => blockingKeys(f));
    const candidates = await this.deps.customers.dedupeCandidates([...new Set(keysOf.flat())]);
    const byKey = new Map<string, DedupeCandidate[]>();
    for (const candidate of candidates) {
      for (const key of candidate.dedupeKeys ?? []) {
        const list = byKey.get(key) ?? [];
        list.push(candidate);
        byKey.set(key, list);
      }
    }
    const stored = new Map<string, Features>();
    return records.map((record, i) => {
      const seen = new Set<string>();
      const matches: ExistingMatch[] = [];
      for (const key of keysOf[i]!) {
        for (const candidate of byKey.get(key) ?? []) {
          const id = candidate._id.toHexString();
          if (seen.has(id)) continue;
          seen.add(id);
          let features = stored.get(id);
          if (!features) stored.set(id, (features = featuresFromStored(candidate)));
          const result = scorePair(record, features);
          if (result.match) matches.push({ customer: candidate, score: result.score, reasons: result.reasons });
        }
      }
      return matches.sort((a, b) => b.score - a.score).slice(0, limit);
    });
  }
}
