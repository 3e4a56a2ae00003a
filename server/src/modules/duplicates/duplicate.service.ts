// Duplicate detection against the stored customers: candidates found by shared blocking keys
// (indexed on each customer), then scored. Used by imports, by the create check's hints and by the
// scheduled scan. What it returns about a customer is filtered by the caller's scope elsewhere.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { notFound } from '../../core/errors.ts';
import type { Locale } from '../../core/i18n.ts';
import type { CustomerService, DedupeCandidate } from '../customers/customer.service.ts';
import { explain } from './explain.ts';
import { blockingKeys, featuresFromStored, featuresOf, type Features } from './features.ts';
import { KeyIndex, keyHash } from './key-index.ts';
import type { DuplicatePair, DuplicatePairModel } from './pair.model.ts';
import { scorePair, type Reason } from './score.ts';

export interface ExistingMatch {
  customer: DedupeCandidate;
  score: number;
  reasons: Reason[];
}

export interface DuplicateDeps {
  customers: CustomerService;
  pairs: DuplicatePairModel;
  clock: Clock;
}

/** How many of a file's records one read of stored candidates looks up the keys of (some 6 keys each). */
const recordsPerLookup = 1000;
/** How many open pairs one page of the queue reads at most to find those the reviewer may see. */
const queueReadLimit = 1000;

export class DuplicateService {
  private readonly deps: DuplicateDeps;

  constructor(deps: DuplicateDeps) {
    this.deps = deps;
  }

  /**
   * The same as matchExisting for a whole file. The stored customers sharing a blocking key with
   * its records are read by those keys (indexed on each customer), a slice of the file at a time,
   * so an import reads its candidates and not the whole customer book. Each candidate is scored
   * once, against every record it shares a key with, found through the file's own key index.
   */
  async matchAllStored(records: readonly Features[], index = new KeyIndex(records), limit = 3): Promise<ExistingMatch[][]> {
    const found: ExistingMatch[][] = records.map(() => []);
    const scored = new Set<string>();
    for (let start = 0; start < records.length; start += recordsPerLookup) {
      const keys = new Set<string>();
      for (let i = start; i < Math.min(start + recordsPerLookup, records.length); i++) for (const key of blockingKeys(records[i]!)) keys.add(key);
      for (const candidate of await this.deps.customers.dedupeCandidates([...keys], null)) {
        const id = candidate._id.toHexString();
        if (scored.has(id)) continue;
        scored.add(id);
        const hits = new Set<number>();
        for (const key of candidate.dedupeKeys ?? []) for (const i of index.members(keyHash(key))) hits.add(i);
        if (hits.size === 0) continue;
        const features = featuresFromStored(candidate);
        for (const i of hits) {
          const result = scorePair(records[i]!, features);
          if (result.match) found[i]!.push({ customer: candidate, score: result.score, reasons: result.reasons });
        }
      }
    }
    // best first; of equal scores the newest customer, whatever order the reads returned them in
    const order = (a: ExistingMatch, b: ExistingMatch) => b.score - a.score || (a.customer._id.toHexString() < b.customer._id.toHexString() ? 1 : -1);
    return found.map((matches) => matches.sort(order).slice(0, limit));
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

  /** Stored customers a record being entered may be: named with their owner, opened only in scope. */
  async similar(scope: RequestScope, probe: { type: 'company' | 'person'; name: string; phone?: string; email?: string; address?: string; contact?: string }, locale: Locale) {
    scope.require('customer.view');
    const features = featuresOf({
      type: probe.type,
      name: probe.name,
      phones: probe.phone ? [probe.phone] : [],
      emails: probe.email ? [probe.email] : [],
      contacts: probe.contact ? [probe.contact] : [],
      address: probe.address ?? null,
    });
    const [matches] = await this.matchExisting([features], 5);
    const ids = matches!.map((m) => m.customer._id);
    const [visible, hints] = await Promise.all([this.deps.customers.visibleIds(scope, ids), this.deps.customers.describeForHints(ids)]);
    return {
      items: matches!.map((m) => {
        const id = m.customer._id.toHexString();
        const hint = hints.get(id);
        return { id: visible.has(id) ? id : null, visible: visible.has(id), name: hint?.name ?? '', owner: hint?.owner ?? null, inPool: hint?.inPool ?? false, score: m.score, reasons: explain(m.reasons, locale) };
      }),
    };
  }

  // ---- the scheduled scan and the managers' review queue ------------------------------------

  /**
   * Finds duplicate pairs among all stored customers and keeps the queue current: new pairs open,
   * known ones are refreshed (a dismissed pair stays dismissed), and open pairs no longer found
   * (the records changed, one was deleted) leave the queue. Returns the open count.
   */
  async scan(): Promise<{ open: number; found: number }> {
    const startedAt = this.deps.clock.now();
    let found = 0;
    for await (const batch of this.deps.customers.scanForDedupe()) {
      const matches = await this.matchExisting(batch.map((c) => featuresFromStored(c)), 10);
      const writes = [];
      for (let i = 0; i < batch.length; i++) {
        for (const match of matches[i]!) {
          const [x, y] = [batch[i]!._id, match.customer._id];
          if (x.equals(y)) continue;
          const [a, b] = x.toHexString() < y.toHexString() ? [x, y] : [y, x];
          found++;
          writes.push({
            updateOne: {
              filter: { a, b },
              update: { $set: { score: match.score, reasons: match.reasons, seenAt: startedAt }, $setOnInsert: { status: 'open', foundAt: startedAt } },
              upsert: true,
            },
          });
        }
      }
      if (writes.length) await this.deps.pairs.bulkWrite(writes, { ordered: false });
    }
    await this.deps.pairs.updateMany({ status: 'open', seenAt: { $lt: startedAt } }, { $set: { status: 'closed' } });
    return { open: await this.deps.pairs.countDocuments({ status: 'open' }), found: found / 2 };
  }

  /** Open pairs whose two customers the reviewer sees in full, strongest first. */
  async queue(scope: RequestScope, query: { limit: number; cursor?: string }, locale: Locale) {
    scope.require('customer.delete'); // a merge's permission
    const filter: Record<string, unknown> = { status: 'open' };
    if (query.cursor) {
      const [score, id] = query.cursor.split(':');
      if (!Types.ObjectId.isValid(id ?? '')) throw notFound();
      filter.$or = [{ score: { $lt: Number(score) } }, { score: Number(score), _id: { $gt: new Types.ObjectId(id) } }];
    }
    const items = [];
    let last: DuplicatePair | null = null;
    let read = 0;
    for await (const pair of this.deps.pairs.find(filter).sort({ score: -1, _id: 1 }).limit(queueReadLimit).lean<DuplicatePair[]>().cursor()) {
      last = pair;
      read++;
      const visible = await this.deps.customers.visibleIds(scope, [pair.a, pair.b]);
      if (visible.size < 2) continue;
      const [a, b] = await Promise.all([this.deps.customers.get(scope, pair.a.toHexString()), this.deps.customers.get(scope, pair.b.toHexString())]);
      items.push({ id: String(pair._id), score: pair.score, reasons: explain(pair.reasons, locale), a, b, foundAt: pair.foundAt });
      if (items.length >= query.limit) break;
    }
    // more may follow when the page filled up, or when the read limit ran out first
    const more = (items.length >= query.limit || read >= queueReadLimit) && last;
    return { items, nextCursor: more ? `${last!.score}:${last!._id.toHexString()}` : null };
  }

  async dismiss(scope: RequestScope, id: string): Promise<void> {
    scope.require('customer.delete');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const pair = await this.deps.pairs.findById(id).lean<DuplicatePair>();
    if (!pair || (await this.deps.customers.visibleIds(scope, [pair.a, pair.b])).size < 2) throw notFound();
    await this.deps.pairs.updateOne({ _id: pair._id }, { $set: { status: 'dismissed', decidedBy: new Types.ObjectId(scope.user.id), decidedAt: this.deps.clock.now() } });
  }

  /** Customers in pairs that have waited in the queue since before `before`. */
  async staleOpenCustomers(before: Date): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const pair of this.deps.pairs.find({ status: 'open', foundAt: { $lt: before } }, { a: 1, b: 1 }).lean<DuplicatePair[]>().cursor()) {
      ids.add(pair.a.toHexString());
      ids.add(pair.b.toHexString());
    }
    return ids;
  }

  /** After a merge is undone, its pairs are open for review again. */
  async reopenUnmerged(mergedId: Types.ObjectId): Promise<void> {
    await this.deps.pairs.updateMany({ a: mergedId, status: 'merged' }, { $set: { status: 'open' }, $unset: { decidedBy: '', decidedAt: '' } });
    await this.deps.pairs.updateMany({ b: mergedId, status: 'merged' }, { $set: { status: 'open' }, $unset: { decidedBy: '', decidedAt: '' } });
  }

  /** After a merge, the pairs of the merged customer are settled. */
  async settleMerged(mergedId: Types.ObjectId, by: string): Promise<void> {
    const decided = { decidedBy: new Types.ObjectId(by), decidedAt: this.deps.clock.now() };
    await this.deps.pairs.updateMany({ a: mergedId, status: 'open' }, { $set: { status: 'merged', ...decided } });
    await this.deps.pairs.updateMany({ b: mergedId, status: 'open' }, { $set: { status: 'merged', ...decided } });
  }
}
