// Customer imports: a file is analysed (a dry run that writes no customer), reviewed, and
// committed in batches by a worker that any server process may run. An import is a job with its
// position: a worker that dies leaves a lease that runs out, and the next one carries on from the
// position, where every write is keyed by import and row so nothing is created twice.
import { randomUUID } from 'node:crypto';
import { Types, type AnyBulkWriteOperation } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { fieldCipher } from '../../core/crypto/field-cipher.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { CustomerService, ImportedCustomerInput } from '../customers/customer.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { DuplicateService } from '../duplicates/duplicate.service.ts';
import { maskedReasons } from '../duplicates/explain.ts';
import { featuresOf, type Features } from '../duplicates/features.ts';
import { groupsOf, matchingPairs } from '../duplicates/grouping.ts';
import { KeyIndex } from '../duplicates/key-index.ts';
import { readStoredFile, type FileStorage } from '../files/file-storage.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { OrgService, PublicUser } from '../org/org.service.ts';
import { compactKey } from '../standards/index.ts';
import { readRows, sniffFile } from './file-reader.ts';
import { applySavedMapping, autoMapping, importFields, mappingByHeader, type ColumnMapping } from './header-mapping.ts';
import type { GroupAction, ImportCounts, ImportJob, ImportModels, ImportRow } from './import.model.ts';
import { normaliseRow, type ImportedCustomer } from './row-normaliser.ts';
import './messages.ts';

export interface ImportDeps {
  models: ImportModels;
  storage: FileStorage;
  customers: CustomerService;
  contacts: ContactService;
  dictionaries: DictionaryService;
  duplicates: DuplicateService;
  org: OrgService;
  /** the importer's scope, as a request of theirs would have it, for the worker */
  auth: Pick<AuthService, 'scopeFor'>;
  clock: Clock;
  logger: Logger;
  /** leaseMs: how long a worker holds an import between batches (IMPORT_LEASE_MS) */
  limits: { maxBytes: number; maxRows: number; leaseMs?: number; rowsRetentionDays?: number };
}

export interface ImportSettings {
  mapping?: Record<string, string>;
  ownerMap?: Record<string, string>;
  defaultOwnerId?: string;
  saveMappingAs?: string;
}

/** rows a dry run writes at a time */
const batchSize = 500;
/** What the commit reads of a row: not the cells and problems, which it never uses and which cost a decryption each. */
const committedFields = { cells: 0, rowErrors: 0, rowWarnings: 0 } as const;

/** rows a commit takes at a time: each batch reads its merge targets and their contacts once */
const commitBatchSize = 2000;
const defaultLeaseMs = 2 * 60_000;
const defaultRowsRetentionDays = 90;
const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const emptyCounts = (): ImportCounts => ({
  rows: 0, valid: 0, invalid: 0, withWarnings: 0, fileGroups: 0, fileDuplicateRows: 0, existingMatches: 0, created: 0, merged: 0, skipped: 0,
});

export class ImportService {
  private readonly deps: ImportDeps;
  private readonly worker = randomUUID();

  constructor(deps: ImportDeps) {
    this.deps = deps;
  }

  get maxBytes(): number {
    return this.deps.limits.maxBytes;
  }

  tooLarge(): AppError {
    return new AppError('VALIDATION', { status: 413, messageKey: 'error.import.tooLarge', details: [{ path: 'file' }] });
  }

  // ---- starting and reviewing --------------------------------------------------------------

  /** Takes the file, reads its header and queues the dry run. Wrong or hostile files fail here. */
  async create(scope: RequestScope, content: Buffer, fileName: string, options: { mappingId?: string } = {}) {
    scope.require('customer.import');
    if (content.length > this.deps.limits.maxBytes) throw this.tooLarge();
    const sniffed = await sniffFile(content, this.deps.limits.maxBytes * 20);
    let headers: string[] | null = null;
    for await (const row of readRows(content, sniffed, this.deps.limits.maxRows)) {
      headers = row.cells.map((c) => c.trim());
      break;
    }
    if (!headers) throw new AppError('VALIDATION', { messageKey: 'error.import.empty', details: [{ path: 'file' }] });
    let mapping = autoMapping(headers);
    if (options.mappingId) {
      const saved = Types.ObjectId.isValid(options.mappingId) ? await this.deps.models.importMappings.findById(options.mappingId).lean() : null;
      if (!saved) throw new AppError('VALIDATION', { messageKey: 'error.import.mappingNotFound', details: [{ path: 'mappingId' }] });
      mapping = applySavedMapping(headers, saved.columns);
    }
    // the spreadsheet is a copy of a customer list: stored sealed under the field key, and deleted
    // once the import is done (its rows hold what the review and the result file need)
    const fileId = await this.deps.storage.save(fieldCipher().seal(content), fileName, { uploadedBy: scope.user.id, contentType: sniffed.format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv', customerId: null, purpose: 'import' });
    const now = this.deps.clock.now();
    const job = await this.deps.models.imports.create({
      createdBy: oid(scope.user.id),
      fileId,
      fileName: fileName.slice(0, 200),
      format: sniffed.format,
      ...(sniffed.encoding ? { encoding: sniffed.encoding } : {}),
      headers,
      mapping,
      ownerMap: [],
      defaultOwnerId: oid(scope.user.id),
      status: 'analysing',
      position: 0,
      counts: emptyCounts(),
      decisions: {},
      lease: null,
      createdAt: now,
      updatedAt: now,
    });
    return this.view(job.toObject());
  }

  private async own(scope: RequestScope, id: string): Promise<ImportJob> {
    scope.require('customer.import');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const filter: Record<string, unknown> = { _id: oid(id) };
    if (scope.role !== 'admin') filter.createdBy = oid(scope.user.id); // an import is its importer's
    const job = await this.deps.models.imports.findOne(filter).lean<ImportJob>();
    if (!job) throw notFound();
    return job;
  }

  async get(scope: RequestScope, id: string) {
    return this.view(await this.own(scope, id));
  }

  async list(scope: RequestScope) {
    scope.require('customer.import');
    const jobs = await this.deps.models.imports.find({ createdBy: oid(scope.user.id) }).sort({ createdAt: -1 }).limit(50).lean<ImportJob[]>();
    return { items: jobs.map((j) => this.view(j)) };
  }

  private view(job: ImportJob) {
    const total = job.counts.rows || 0;
    const committed = job.counts.created + job.counts.merged + job.counts.skipped;
    const pending = Math.max(0, total - job.counts.invalid);
    return {
      id: job._id.toHexString(),
      fileName: job.fileName,
      format: job.format,
      encoding: job.encoding ?? null,
      status: job.status,
      headers: job.headers,
      mapping: job.mapping,
      ownerMap: ownerMapOf(job),
      /** owner names in the file that match no user the importer may assign */
      unknownOwners: job.unknownOwners ?? [],
      decisions: job.decisions,
      defaultOwnerId: String(job.defaultOwnerId),
      counts: job.counts,
      progress: {
        done: job.status === 'committing' || job.status === 'done' ? committed : job.position,
        total: job.status === 'committing' || job.status === 'done' ? pending : total,
        percent: job.status === 'done' ? 100 : job.status === 'committing' ? (pending ? Math.floor((committed / pending) * 100) : 100) : 0,
      },
      fields: importFields,
      error: job.error ?? null,
      createdAt: job.createdAt,
      committedAt: job.committedAt ?? null,
      /** set once the retention period deleted the rows: no result file any more */
      rowsPurgedAt: job.rowsPurgedAt ?? null,
    };
  }

  /** New mapping, owner names or default owner: the dry run starts again. */
  async configure(scope: RequestScope, id: string, settings: ImportSettings) {
    const job = await this.own(scope, id);
    if (job.status !== 'ready' && job.status !== 'failed' && job.status !== 'analysing') throw new AppError('CONFLICT', { messageKey: 'error.import.alreadyCommitted' });
    const set: Record<string, unknown> = { status: 'analysing', position: 0, counts: emptyCounts(), decisions: {}, lease: null, updatedAt: this.deps.clock.now() };
    if (settings.mapping) {
      const mapping: ColumnMapping = {};
      for (const [index, field] of Object.entries(settings.mapping)) {
        if (!field) continue;
        if (!(importFields as readonly string[]).includes(field) || job.headers[Number(index)] === undefined) {
          throw new AppError('VALIDATION', { messageKey: 'error.import.badMapping', details: [{ path: `mapping.${index}` }] });
        }
        mapping[index] = field as ColumnMapping[string];
      }
      if (!Object.values(mapping).includes('name')) throw new AppError('VALIDATION', { messageKey: 'error.import.nameUnmapped', details: [{ path: 'mapping' }] });
      set.mapping = mapping;
      if (settings.saveMappingAs) {
        await this.deps.models.importMappings.updateOne(
          { name: settings.saveMappingAs },
          { $set: { columns: mappingByHeader(job.headers, mapping), createdBy: oid(scope.user.id), createdAt: this.deps.clock.now() } },
          { upsert: true },
        );
      }
    }
    const users = await this.assignableUsers(scope);
    const byId = new Map(users.map((u) => [u.id, u]));
    if (settings.ownerMap) {
      for (const [name, userId] of Object.entries(settings.ownerMap)) {
        if (!byId.has(userId)) throw new AppError('VALIDATION', { messageKey: 'error.import.ownerNotAllowed', details: [{ path: `ownerMap.${name}` }] });
      }
      set.ownerMap = Object.entries(settings.ownerMap).map(([name, userId]) => ({ name, userId }));
    }
    if (settings.defaultOwnerId) {
      if (!byId.has(settings.defaultOwnerId)) throw new AppError('VALIDATION', { messageKey: 'error.import.ownerNotAllowed', details: [{ path: 'defaultOwnerId' }] });
      set.defaultOwnerId = oid(settings.defaultOwnerId);
    }
    await this.deps.models.importRows.deleteMany({ importId: job._id });
    await this.deps.models.imports.updateOne({ _id: job._id, status: job.status }, { $set: set });
    return this.get(scope, id);
  }

  /** Rows of the dry run: all, the invalid ones, those with warnings, or those in duplicate groups. */
  async rows(scope: RequestScope, id: string, query: { filter: 'all' | 'invalid' | 'warnings' | 'duplicates'; after?: number; limit: number }) {
    const job = await this.own(scope, id);
    const filter: Record<string, unknown> = { importId: job._id, index: { $gt: query.after ?? -1 } };
    if (query.filter === 'invalid') filter.status = 'invalid';
    if (query.filter === 'warnings') filter['rowWarnings.0'] = { $exists: true };
    if (query.filter === 'duplicates') filter.group = { $ne: null };
    const rows = await this.deps.models.importRows.find(filter).sort({ index: 1 }).limit(query.limit).lean<ImportRow[]>();
    return {
      items: await this.rowViews(scope, rows),
      nextAfter: rows.length === query.limit ? rows[rows.length - 1]!.index : null,
    };
  }

  /** Existing customers are named only as far as the caller may see them. */
  private async rowViews(scope: RequestScope, rows: ImportRow[]) {
    const ids = rows.flatMap((r) => r.matches.map((m) => m.customerId));
    const [visible, candidates] = await Promise.all([this.deps.customers.visibleIds(scope, ids), this.deps.customers.describeForHints(ids)]);
    return rows.map((row) => ({
      index: row.index,
      line: row.line,
      cells: row.cells,
      status: row.status,
      errors: row.rowErrors,
      warnings: row.rowWarnings,
      customer: row.customer,
      contact: row.contact,
      ownerId: row.ownerId ? String(row.ownerId) : null,
      group: row.group,
      leader: row.leader,
      matches: row.matches.map((m) => {
        const id = m.customerId.toHexString();
        const seen = visible.has(id);
        const hint = candidates.get(id);
        return { id: seen ? id : null, name: hint?.name ?? '', owner: hint?.owner ?? null, inPool: hint?.inPool ?? false, visible: seen, score: m.score, reasons: maskedReasons(m.reasons) };
      }),
      customerId: row.customerId ? String(row.customerId) : null,
      note: row.note ?? null,
    }));
  }

  /** Choices per duplicate group: create (one customer for the group), skip, or merge into a customer. */
  async decide(scope: RequestScope, id: string, decisions: Record<string, { action: GroupAction; targetId?: string }>) {
    const job = await this.own(scope, id);
    if (job.status !== 'ready') throw new AppError('CONFLICT', { messageKey: 'error.import.notReady' });
    const set: Record<string, unknown> = {};
    for (const [group, decision] of Object.entries(decisions)) {
      const leader = await this.deps.models.importRows.findOne({ importId: job._id, group, leader: true }).lean<ImportRow>();
      if (!leader) throw new AppError('VALIDATION', { messageKey: 'error.import.unknownGroup', details: [{ path: `decisions.${group}` }] });
      if (decision.action === 'merge') {
        const target = decision.targetId ?? leader.matches[0]?.customerId.toHexString();
        if (!target || !(await this.deps.customers.visibleIds(scope, [oid(target)])).has(target)) {
          throw new AppError('VALIDATION', { messageKey: 'error.import.mergeTarget', details: [{ path: `decisions.${group}` }] });
        }
        set[`decisions.${group}`] = { action: 'merge', targetId: target };
      } else set[`decisions.${group}`] = { action: decision.action };
    }
    if (Object.keys(set).length) await this.deps.models.imports.updateOne({ _id: job._id, status: 'ready' }, { $set: { ...set, updatedAt: this.deps.clock.now() } });
    return this.get(scope, id);
  }

  /** Starts the commit; asking twice changes nothing. */
  async commit(scope: RequestScope, id: string) {
    const job = await this.own(scope, id);
    if (job.status === 'committing' || job.status === 'done') return this.view(job);
    if (job.status !== 'ready') throw new AppError('CONFLICT', { messageKey: 'error.import.notReady' });
    await this.deps.models.imports.updateOne(
      { _id: job._id, status: 'ready' },
      { $set: { status: 'committing', position: 0, lease: null, updatedAt: this.deps.clock.now() } },
    );
    return this.get(scope, id);
  }

  async mappings(scope: RequestScope) {
    scope.require('customer.import');
    const saved = await this.deps.models.importMappings.find({}).sort({ name: 1 }).limit(200).lean();
    return { items: saved.map((m) => ({ id: String(m._id), name: m.name, columns: m.columns })) };
  }

  async removeMapping(scope: RequestScope, id: string): Promise<void> {
    scope.require('customer.import');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const done = await this.deps.models.importMappings.deleteOne({ _id: oid(id) });
    if (done.deletedCount === 0) throw notFound();
  }

  /** Every row of the file with its outcome, for the result file. */
  async *resultRows(scope: RequestScope, id: string): AsyncGenerator<{ job: ImportJob } | { row: ImportRow }> {
    const job = await this.own(scope, id);
    if (job.rowsPurgedAt) throw new AppError('GONE', { messageKey: 'error.import.rowsPurged', params: { days: this.rowsRetentionDays } });
    yield { job };
    for await (const row of this.deps.models.importRows.find({ importId: job._id }).sort({ index: 1 }).lean<ImportRow[]>().cursor({ batchSize: 1000 })) {
      yield { row };
    }
  }

  // ---- the worker -------------------------------------------------------------------------

  private get leaseMs(): number {
    return this.deps.limits.leaseMs ?? defaultLeaseMs;
  }

  private get rowsRetentionDays(): number {
    return this.deps.limits.rowsRetentionDays ?? defaultRowsRetentionDays;
  }

  /**
   * Deletes the rows of imports finished longer ago than the retention period: copies of the
   * file's lines, kept only for the result file. The import stays in the history with its counts.
   * Run daily by a job; running it again finds nothing new.
   */
  async purgeRows(): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - this.rowsRetentionDays * 86_400_000);
    const ids = (await this.deps.models.imports.find({ status: 'done', committedAt: { $lt: before }, rowsPurgedAt: null }, { _id: 1 }).lean<ImportJob[]>()).map((j) => j._id);
    if (ids.length === 0) return 0;
    // rows first: a crash in between leaves the imports to be purged again
    await this.deps.models.importRows.deleteMany({ importId: { $in: ids } });
    await this.deps.models.imports.updateMany({ _id: { $in: ids } }, { $set: { rowsPurgedAt: this.deps.clock.now() } });
    return ids.length;
  }

  /** Runs imports waiting for their dry run or commit until none is left. Called by a job and after requests. */
  async work(): Promise<void> {
    for (;;) {
      const now = this.deps.clock.now();
      const job = await this.deps.models.imports
        .findOneAndUpdate(
          { status: { $in: ['analysing', 'committing'] }, $or: [{ lease: null }, { 'lease.until': { $lt: now } }] },
          { $set: { lease: { until: new Date(now.getTime() + this.leaseMs), by: this.worker } } },
          { returnDocument: 'after', sort: { updatedAt: 1 } },
        )
        .lean<ImportJob>();
      if (!job) return;
      try {
        if (job.status === 'analysing') await this.analyse(job);
        else await this.commitRows(job);
      } catch (error) {
        this.deps.logger.error({ err: error, importId: String(job._id) }, 'import failed');
        const message = error instanceof AppError ? error.messageKey : 'error.INTERNAL';
        await this.deps.models.imports.updateOne({ _id: job._id, 'lease.by': this.worker }, { $set: { status: 'failed', lease: null, error: { code: 'IMPORT_FAILED', message } } });
      }
    }
  }

  private async renewLease(job: ImportJob): Promise<void> {
    const now = this.deps.clock.now();
    const held = await this.deps.models.imports.updateOne(
      { _id: job._id, 'lease.by': this.worker },
      { $set: { 'lease.until': new Date(now.getTime() + this.leaseMs), updatedAt: now } },
    );
    if (held.matchedCount === 0) throw new AppError('CONFLICT', { messageKey: 'error.import.leaseLost' });
  }

  private async assignableUsers(scope: RequestScope): Promise<PublicUser[]> {
    const users = await this.deps.org.listActiveUsers();
    return users.filter((u) => scope.canAssignTo({ id: u.id, departmentId: u.department?.id ?? null }));
  }

  private async importerScope(job: ImportJob): Promise<RequestScope> {
    const scope = await this.deps.auth.scopeFor(String(job.createdBy));
    if (!scope) throw new AppError('FORBIDDEN', { messageKey: 'error.import.importerGone' });
    return scope;
  }

  /** The dry run: every row read, normalised, checked and matched; no customer is written. */
  private async analyse(job: ImportJob): Promise<void> {
    await this.deps.models.importRows.deleteMany({ importId: job._id }); // a restarted dry run starts over
    const scope = await this.importerScope(job);
    const content = await this.readFile(job.fileId);
    const resolve = await this.deps.dictionaries.resolver(['industry', 'source', 'level']);
    const users = await this.assignableUsers(scope);
    const ownerOf = this.ownerResolver(users, job);
    const counts = emptyCounts();
    const unknownOwners = new Set<string>();
    const features: (Features | null)[] = [];
    let batch: Partial<ImportRow>[] = [];
    let header = true;
    let index = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await this.deps.models.importRows.insertMany(batch, { ordered: false });
      batch = [];
      await this.renewLease(job);
      await this.deps.models.imports.updateOne({ _id: job._id }, { $set: { position: index } });
    };
    for await (const { line, cells } of readRows(content, { format: job.format, encoding: job.encoding }, this.deps.limits.maxRows)) {
      if (header) {
        header = false;
        continue;
      }
      const out = normaliseRow(cells, job.mapping as ColumnMapping, { resolve, now: this.deps.clock.now() });
      const owner = ownerOf(out.owner);
      if (owner === 'unknown') {
        out.errors.push({ field: 'owner', code: 'unknownOwner', value: out.owner });
        if (unknownOwners.size < 200) unknownOwners.add(out.owner);
      }
      if (owner === 'notAllowed') {
        out.errors.push({ field: 'owner', code: 'ownerNotAllowed', value: out.owner });
        if (unknownOwners.size < 200) unknownOwners.add(out.owner);
      }
      const valid = out.errors.length === 0 && !!out.customer;
      counts.rows++;
      if (valid) counts.valid++;
      else counts.invalid++;
      if (out.warnings.length) counts.withWarnings++;
      features.push(valid ? featuresOf(this.dedupeInput(out.customer!, out.contact?.name)) : null);
      batch.push({
        importId: job._id,
        index,
        line,
        cells: cells.map((c) => c.slice(0, 5000)),
        rowErrors: out.errors,
        rowWarnings: out.warnings,
        customer: valid ? out.customer : null,
        contact: valid ? out.contact : null,
        ownerId: valid && typeof owner === 'object' ? owner : null,
        group: null,
        leader: false,
        matches: [],
        status: valid ? 'pending' : 'invalid',
      });
      index++;
      if (batch.length >= batchSize) await flush();
    }
    await flush();

    // duplicates within the file, among the valid rows
    const validIndexes = features.flatMap((f, i) => (f ? [i] : []));
    const validFeatures = validIndexes.map((i) => features[i]!);
    // one key index serves both the grouping and the match against stored customers
    const keyIndex = new KeyIndex(validFeatures);
    const groups = groupsOf(validIndexes.length, matchingPairs(validFeatures, keyIndex)).map((g) => g.map((k) => validIndexes[k]!));
    const groupOf = new Map<number, string>();
    for (const group of groups) for (const i of group) groupOf.set(i, `g${group[0]}`);
    counts.fileGroups = groups.length;
    counts.fileDuplicateRows = groups.reduce((n, g) => n + g.length, 0);

    // duplicates of stored customers: read by the file's keys, each scored once for the whole file
    const decisions: Record<string, { action: GroupAction; targetId?: string }> = {};
    const leaders = new Set(groups.map((g) => g[0]!));
    const found = await this.deps.duplicates.matchAllStored(validFeatures, keyIndex);
    await this.renewLease(job);
    // each group's best match, kept while the rows are written (the default choice needs it)
    const best = new Map<string, { id: Types.ObjectId; score: number }>();
    const groupIds = new Set<string>();
    let writes = [];
    for (let k = 0; k < validIndexes.length; k++) {
      const i = validIndexes[k]!;
      const matches = found[k]!;
      if (matches.length) counts.existingMatches++;
      let group = groupOf.get(i) ?? null;
      if (!group && matches.length) {
        group = `g${i}`;
        leaders.add(i);
      }
      if (!group) continue; // a row alone stays as it was written
      groupIds.add(group);
      for (const m of matches) {
        const current = best.get(group);
        if (!current || m.score > current.score) best.set(group, { id: m.customer._id, score: m.score });
      }
      const set = { group, leader: leaders.has(i), matches: matches.map((m) => ({ customerId: m.customer._id, score: m.score, reasons: m.reasons })) };
      writes.push({ updateOne: { filter: { importId: job._id, index: i }, update: { $set: set } } });
      if (writes.length >= 1000) {
        await this.deps.models.importRows.bulkWrite(writes, { ordered: false });
        writes = [];
      }
    }
    if (writes.length) await this.deps.models.importRows.bulkWrite(writes, { ordered: false });
    // default choice per group: merge into the best visible match, else one new customer
    const visible = await this.deps.customers.visibleIds(scope, [...best.values()].map((b) => b.id));
    for (const group of groupIds) {
      const target = best.get(group);
      if (!target) decisions[group] = { action: 'create' };
      else if (visible.has(target.id.toHexString())) decisions[group] = { action: 'merge', targetId: target.id.toHexString() };
      else decisions[group] = { action: 'skip' }; // someone else's customer: not ours to add to
    }
    await this.deps.models.imports.updateOne(
      { _id: job._id, 'lease.by': this.worker },
      { $set: { status: 'ready', counts, decisions, unknownOwners: [...unknownOwners], position: index, lease: null, updatedAt: this.deps.clock.now() } },
    );
  }

  private dedupeInput(customer: ImportedCustomer, contactName?: string) {
    return {
      type: customer.type,
      name: customer.name,
      phones: customer.phones,
      emails: customer.email ? [customer.email] : [],
      contacts: contactName ? [contactName] : [],
      region: customer.region ?? null,
      address: customer.address ?? null,
    };
  }

  /** Owner names as written → a user the importer may assign: by login, by name, or by the owner map. */
  private ownerResolver(users: PublicUser[], job: ImportJob) {
    const byKey = new Map<string, PublicUser[]>();
    for (const user of users) {
      for (const key of [compactKey(user.login), compactKey(user.name)]) byKey.set(key, [...(byKey.get(key) ?? []), user]);
    }
    const mapped = new Map(Object.entries(ownerMapOf(job)).map(([name, id]) => [compactKey(name), id]));
    const allowed = new Set(users.map((u) => u.id));
    return (written: string): Types.ObjectId | 'unknown' | 'notAllowed' => {
      if (!written) return job.defaultOwnerId;
      const key = compactKey(written);
      const viaMap = mapped.get(key);
      if (viaMap) return allowed.has(viaMap) ? oid(viaMap) : 'notAllowed';
      const found = byKey.get(key);
      if (found?.length === 1) return oid(found[0]!.id);
      return 'unknown';
    };
  }

  private async readFile(fileId: string): Promise<Buffer> {
    return fieldCipher().unseal(await readStoredFile(this.deps.storage, fileId));
  }

  /** The commit: rows from the position on, a group at its first row, every write keyed by row. */
  private async commitRows(job: ImportJob): Promise<void> {
    const scope = await this.importerScope(job);
    const owners = new Map((await this.deps.org.listActiveUsers()).map((u) => [u.id, u]));
    let position = job.position;
    for (;;) {
      const rows = await this.deps.models.importRows
        .find({ importId: job._id, index: { $gte: position } }, committedFields)
        .sort({ index: 1 })
        .limit(commitBatchSize)
        .lean<ImportRow[]>();
      if (rows.length === 0) break;
      await this.commitBatch(scope, job, rows, owners);
      position = rows[rows.length - 1]!.index + 1;
      await this.renewLease(job);
      await this.deps.models.imports.updateOne({ _id: job._id }, { $set: { position, counts: await this.countOutcomes(job) } });
    }
    await this.deps.models.imports.updateOne(
      { _id: job._id, 'lease.by': this.worker },
      { $set: { status: 'done', counts: await this.countOutcomes(job), position, lease: null, committedAt: this.deps.clock.now(), updatedAt: this.deps.clock.now() } },
    );
    await this.deps.storage.remove(job.fileId);
  }

  private async countOutcomes(job: ImportJob): Promise<ImportCounts> {
    const fresh = await this.deps.models.imports.findById(job._id, { counts: 1 }).lean<ImportJob>();
    const byStatus = await this.deps.models.importRows.aggregate<{ _id: string; n: number }>([
      { $match: { importId: job._id } },
      { $group: { _id: '$status', n: { $sum: 1 } } },
    ]);
    const n = (status: string) => byStatus.find((s) => s._id === status)?.n ?? 0;
    return { ...(fresh?.counts ?? job.counts), created: n('created'), merged: n('merged'), skipped: n('skipped'), invalid: n('invalid') };
  }

  /**
   * One batch of rows, each a unit of its own or the first row of its duplicate group: the new
   * customers written together, merges by id, contact people and row outcomes in one write each.
   */
  private async commitBatch(scope: RequestScope, job: ImportJob, rows: ImportRow[], owners: Map<string, PublicUser>): Promise<void> {
    const key = (row: ImportRow) => `${job._id.toHexString()}:${row.index}`;
    const pending = rows.filter((r) => r.status === 'pending');
    const leaders = pending.filter((r) => r.group && r.leader);
    const members = new Map<string, ImportRow[]>();
    if (leaders.length) {
      const grouped = await this.deps.models.importRows
        .find({ importId: job._id, group: { $in: leaders.map((r) => r.group!) }, status: 'pending' }, committedFields)
        .sort({ index: 1 })
        .lean<ImportRow[]>();
      for (const row of grouped) {
        const group = members.get(row.group!);
        if (group) group.push(row);
        else members.set(row.group!, [row]);
      }
    }
    type Decision = { action: GroupAction; targetId?: string };
    // a group goes with its first row; a row alone creates its customer
    const units: { rows: ImportRow[]; decision: Decision }[] = [
      ...pending.filter((r) => !r.group).map((r) => ({ rows: [r], decision: { action: 'create' as const } })),
      ...leaders.map((r) => ({ rows: members.get(r.group!) ?? [r], decision: job.decisions[r.group!] ?? { action: 'create' as const } })),
    ];
    const marks: AnyBulkWriteOperation<ImportRow>[] = [];
    const mark = (row: ImportRow, status: ImportRow['status'], customerId?: Types.ObjectId, note?: string) =>
      // by _id alone: the row was read pending under this worker's lease, and an _id is what every engine finds at once
      marks.push({ updateOne: { filter: { _id: row._id }, update: { $set: { status, ...(customerId ? { customerId } : {}), ...(note ? { note } : {}) } } } });
    const contacts: { customerId: Types.ObjectId; contact: NonNullable<ImportRow['contact']>; importKey: string; keysKnown?: boolean; newCustomer?: boolean }[] = [];
    const merges: { target: Types.ObjectId; row: ImportRow; newCustomer?: boolean }[] = [];

    const creating = units.filter((u) => u.decision.action === 'create');
    const results = await this.deps.customers.createImportedMany(
      scope,
      creating.map(({ rows: [first] }) => {
        const ownerId = first!.ownerId ?? job.defaultOwnerId;
        const owner = owners.get(String(ownerId));
        const contact = first!.contact;
        return {
          input: this.customerInput(first!.customer!),
          owner: { id: oid(ownerId), departmentId: owner?.department ? oid(owner.department.id) : null },
          importKey: key(first!),
          contacts: { names: contact ? [contact.name] : [], phones: contact?.phones ?? [], emails: contact?.email ? [contact.email] : [] },
        };
      }),
    );
    creating.forEach(({ rows: [first, ...others] }, i) => {
      const result = results[i]!;
      if ('duplicate' in result) {
        for (const row of [first!, ...others]) mark(row, 'skipped', undefined, 'duplicateExisting');
        return;
      }
      mark(first!, 'created', result.id);
      if (first!.contact) contacts.push({ customerId: result.id, contact: first!.contact, importKey: key(first!), keysKnown: result.created, newCustomer: result.created });
      for (const row of others) merges.push({ target: result.id, row, newCustomer: result.created }); // the group's other rows add to it
    });
    for (const unit of units) {
      if (unit.decision.action === 'skip') for (const row of unit.rows) mark(row, 'skipped', undefined, 'duplicateSkipped');
      if (unit.decision.action === 'merge' && unit.decision.targetId) for (const row of unit.rows) merges.push({ target: oid(unit.decision.targetId), row });
    }
    // merges, in row order, under the importer's scope
    const { taken, people } = await this.deps.customers.mergeImportedMany(
      scope,
      merges.map(({ target, row }) => ({ id: target, input: this.customerInput(row.customer!), key: `importMerged:${key(row)}` })),
    );
    merges.forEach(({ target, row, newCustomer }, i) => {
      if (!taken[i]) return mark(row, 'skipped', undefined, 'mergeTargetGone');
      mark(row, 'merged', target);
      if (row.contact) contacts.push({ customerId: target, contact: row.contact, importKey: key(row), newCustomer });
    });
    await this.deps.contacts.addImportedMany(scope, contacts, people);
    if (marks.length) await this.deps.models.importRows.bulkWrite(marks, { ordered: false });
  }

  private customerInput(customer: ImportedCustomer): ImportedCustomerInput {
    const { createdAt, ...rest } = customer;
    return { ...rest, ...(createdAt ? { createdAt: new Date(createdAt) } : {}) } as ImportedCustomerInput;
  }

}

/** The owner names mapped so far, as the API shows them (name → user id). */
function ownerMapOf(job: Pick<ImportJob, 'ownerMap'>): Record<string, string> {
  return Object.fromEntries((Array.isArray(job.ownerMap) ? job.ownerMap : []).map((pair) => [pair.name, pair.userId]));
}
