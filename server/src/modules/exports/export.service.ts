// Exports (导出) of customers, contacts and follow-ups as .xlsx: the list's filters under the
// caller's scope, counted against a cap before anything is written, streamed from database cursors
// into a streaming workbook, with a watermark line naming who exported, phones masked as the views
// mask them, text made safe from formula injection, and an audit entry per export.
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessDay, businessTimeZone } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { translate, type Locale } from '../../core/i18n.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { ContactService, ContactWhere } from '../contacts/contact.service.ts';
import type { Customer } from '../customers/customer.model.ts';
import { customerFilterFields } from '../customers/customer.routes.ts';
import type { CustomerFilter, CustomerService, RequestMeta } from '../customers/customer.service.ts';
import { customerView, type Names } from '../customers/customer.view.ts';
import type { DictionaryType } from '../dictionaries/defaults.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { FollowUp } from '../follow-ups/follow-up.model.ts';
import type { FollowUpService, FollowUpWhere } from '../follow-ups/follow-up.service.ts';
import { businessDate, businessTime, regionText, safeCell, safeText, yuan, type CellValue } from './cells.ts';
import type { ExportRequest } from './export.input.ts';
import './messages.ts';

export const xlsxContentType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface ExportDeps {
  customers: CustomerService;
  contacts: ContactService;
  followUps: FollowUpService;
  dictionaries: DictionaryService;
  audit: AuditService;
  clock: Clock;
  /** the most rows one export may hold (EXPORT_MAX_ROWS) */
  maxRows: number;
}

/** An export that passed its checks: what to write, for whom, and how many rows were counted. */
export interface PreparedExport {
  id: Types.ObjectId;
  scope: RequestScope;
  meta: RequestMeta;
  request: ExportRequest;
  customerConditions: Record<string, unknown>[];
  rows: number;
  at: Date;
  filename: string;
}

/** How one column is headed and filled. */
interface Column<Row> {
  key: string;
  width: number;
  value: (row: Row) => CellValue | undefined;
  /** Excel number format of a numeric column */
  numFmt?: string;
}

type Label = (type: DictionaryType, value: string | null | undefined) => string | null;

interface Context {
  scope: RequestScope;
  locale: Locale;
  label: Label;
  t: (key: string) => string;
  list: (values: readonly (string | null | undefined)[]) => string | null;
}

/** A customer's contact or follow-up, beside the customer it hangs off. */
interface Child<T> {
  item: T;
  customer: Customer;
  names: Names;
}

const customerBatch = 500;
const countBatch = 1000;

export class ExportService {
  private readonly deps: ExportDeps;

  constructor(deps: ExportDeps) {
    this.deps = deps;
  }

  /** Checks the permission and the cap; throws before a single byte of the file is written. */
  async prepare(scope: RequestScope, request: ExportRequest, meta: RequestMeta): Promise<PreparedExport> {
    if (!scope.can('customer.export')) throw new AppError('FORBIDDEN', { messageKey: 'error.export.forbidden' });
    const customerConditions = await this.deps.customers.filterConditions(scope, customerFilterOf(request.filter));
    const rows = await this.count(request, customerConditions);
    if (rows > this.deps.maxRows) {
      throw new AppError('VALIDATION', {
        messageKey: 'error.export.tooManyRows',
        params: { rows, max: this.deps.maxRows },
        details: { reason: 'tooManyRows', rows, max: this.deps.maxRows },
      });
    }
    const at = this.deps.clock.now();
    const filename = `${translate(`export.file.${request.resource}`, meta.locale)}-${businessDay(at).replaceAll('-', '')}.xlsx`;
    return { id: new Types.ObjectId(), scope, meta, request, customerConditions, rows, at, filename };
  }

  private async count(request: ExportRequest, conditions: Record<string, unknown>[]): Promise<number> {
    if (request.resource === 'customers') return this.deps.customers.countMatching(conditions);
    let total = 0;
    for await (const batch of this.deps.customers.scanMatching(conditions, { idsOnly: true, batchSize: countBatch })) {
      const ids = batch.map((c) => c._id);
      total +=
        request.resource === 'contacts'
          ? await this.deps.contacts.countForCustomers(ids, contactWhere(request.filter))
          : await this.deps.followUps.countForCustomers(ids, followUpWhere(request.filter));
      if (total > this.deps.maxRows) break; // over the cap already: the exact figure does not matter
    }
    return total;
  }

  /**
   * Writes the workbook into `out`, waiting whenever the client reads slower than the database
   * answers, and audits the export (with the rows written) before the file's last bytes go out.
   */
  async write(job: PreparedExport, out: Writable): Promise<{ rows: number; status: 'complete' | 'aborted' }> {
    const { scope, meta, request } = job;
    const context = await this.context(scope, meta.locale);
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const watermark = translate('export.watermark', meta.locale, {
      name: scope.user.name,
      login: scope.user.login,
      time: businessTime(job.at),
      zone: businessTimeZone,
    });
    const sheet = workbook.addWorksheet(context.t(`export.sheet.${request.resource}`), {
      views: [{ state: 'frozen', ySplit: 2 }],
      // printed pages carry the watermark too ('&' is a code in header and footer text)
      headerFooter: { oddFooter: `&L${watermark.replaceAll('&', '&&')}`, evenFooter: `&L${watermark.replaceAll('&', '&&')}` },
    });

    let rows = 0;
    let truncated = false; // more rows appeared between the count and the writing than the cap allows
    let status: 'complete' | 'aborted' = 'complete';
    const start = <Row>(columns: Column<Row>[]) => {
      sheet.columns = columns.map((c) => ({ key: c.key, width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
      const mark = sheet.addRow([safeText(watermark)]);
      mark.font = { italic: true, color: { argb: 'FF808080' } };
      sheet.mergeCells(1, 1, 1, columns.length);
      mark.commit();
      const header = sheet.addRow(columns.map((c) => safeText(context.t(c.key))));
      header.font = { bold: true };
      header.commit();
      return async (row: Row): Promise<boolean> => {
        if (out.destroyed) return false;
        if (rows >= this.deps.maxRows) {
          truncated = true;
          return false;
        }
        sheet.addRow(columns.map((c) => safeCell(c.value(row)))).commit();
        rows++;
        if (out.writableNeedDrain) await drained(out);
        return !out.destroyed;
      };
    };

    const audit = (status: 'complete' | 'aborted' | 'failed') =>
      this.deps.audit.record(scope, meta.client, [
        {
          action: 'customer.export',
          entity: 'export',
          entityId: job.id,
          customerId: null,
          details: { resource: request.resource, filter: request.filter, rows, counted: job.rows, status, ...(truncated ? { truncated: true } : {}) },
        },
      ]);

    try {
      switch (request.resource) {
        case 'customers': {
          const add = start(customerColumns(context));
          outer: for await (const { customers, names } of this.customerBatches(job)) {
            for (const customer of customers) if (!(await add({ view: customerView(customer, 'full', scope, names), customer }))) break outer;
          }
          break;
        }
        case 'contacts': {
          const add = start(contactColumns(context));
          outer: for await (const { customers, names, byId } of this.customerBatches(job)) {
            for await (const contact of this.deps.contacts.scanForCustomers(customers.map((c) => c._id), contactWhere(request.filter))) {
              const customer = byId.get(contact.customerId.toHexString())!;
              const item = this.deps.contacts.view(contact, scope, customer.ownerId);
              if (!(await add({ item, customer, names }))) break outer;
            }
          }
          break;
        }
        case 'followUps': {
          const add = start(followUpColumns(context));
          outer: for await (const { customers, names, byId } of this.customerBatches(job)) {
            const followUps = this.deps.followUps.scanForCustomers(customers.map((c) => c._id), followUpWhere(request.filter));
            for await (const chunk of chunks(followUps, 200)) {
              for (const item of await this.deps.followUps.views(chunk)) {
                if (!(await add({ item, customer: byId.get(item.customerId)!, names }))) break outer;
              }
            }
          }
          break;
        }
      }
    } catch (error) {
      await audit('failed').catch(() => undefined); // the rows written so far have left already
      throw error;
    }

    if (out.destroyed) status = 'aborted';
    if (status === 'complete') await sheet.commit();
    await audit(status);
    if (status === 'complete') await workbook.commit();
    return { rows, status };
  }

  /** The matching customers in batches, with the names their rows show. */
  private async *customerBatches(job: PreparedExport) {
    for await (const customers of this.deps.customers.scanMatching(job.customerConditions, { batchSize: customerBatch })) {
      const names = await this.deps.customers.names(customers);
      yield { customers, names, byId: new Map(customers.map((c) => [c._id.toHexString(), c])) };
    }
  }

  private async context(scope: RequestScope, locale: Locale): Promise<Context> {
    const dictionaries = await this.deps.dictionaries.list();
    const labels = new Map(dictionaries.map((d) => [d._id, new Map(d.entries.map((e) => [e.value, locale === 'en' ? e.label.en : e.label.zh]))]));
    const t = (key: string) => translate(key, locale);
    const separator = t('export.separator');
    return {
      scope,
      locale,
      t,
      label: (type, value) => (value ? (labels.get(type)?.get(value) ?? value) : null),
      list: (values) => {
        const present = values.filter((v): v is string => !!v);
        return present.length ? present.join(separator) : null;
      },
    };
  }
}

// ---- columns ---------------------------------------------------------------------------------

/** The customer as its view shows it to the caller (masked), and the stored record for what the view leaves out. */
interface CustomerRow {
  view: ReturnType<typeof customerView>;
  customer: Customer;
}

function customerColumns({ t, label, list }: Context): Column<CustomerRow>[] {
  const col = (key: string, width: number, pick: (c: CustomerRow['view']) => CellValue | undefined): Column<CustomerRow> => ({
    key: `export.col.customer.${key}`,
    width,
    value: (row) => pick(row.view),
  });
  return [
    col('name', 32, (c) => c.name),
    col('type', 8, (c) => t(`export.type.${c.type}`)),
    col('industry', 14, (c) => label('industry', c.industry)),
    col('scale', 12, (c) => label('scale', c.scale)),
    col('level', 14, (c) => label('level', c.level)),
    col('source', 12, (c) => label('source', c.source)),
    col('stage', 8, (c) => label('stage', c.stage)),
    col('region', 24, (c) => regionText(c.region)),
    col('address', 30, (c) => c.address),
    col('phones', 28, (c) => list(c.phones)),
    col('email', 24, (c) => c.email),
    col('website', 24, (c) => c.website),
    col('tags', 20, (c) => list(c.tags)),
    col('owner', 10, (c) => c.owner?.name ?? (c.pool ? list([t('export.pool'), c.pool.name]) : null)),
    col('department', 14, (c) => c.department?.name),
    col('collaborators', 16, (c) => list(c.collaborators.map((p) => p.name))),
    col('lastFollowUpAt', 17, (c) => businessTime(c.lastFollowUpAt)),
    col('nextFollowUpAt', 17, (c) => businessTime(c.nextFollowUpAt)),
    {
      key: 'export.col.customer.annualAmount',
      width: 16,
      value: (row) => yuan(row.customer.annualAmountFen),
      numFmt: '#,##0.00',
    },
    col('notes', 30, (c) => c.notes),
    col('createdBy', 10, (c) => c.createdBy?.name),
    col('createdAt', 17, (c) => businessTime(c.createdAt)),
    col('updatedAt', 17, (c) => businessTime(c.updatedAt)),
  ];
}

type ContactRow = Child<ReturnType<ContactService['view']>>;

function contactColumns({ t, list }: Context): Column<ContactRow>[] {
  const col = (key: string, width: number, value: Column<ContactRow>['value']) => ({ key: `export.col.contact.${key}`, width, value });
  const yesNo = (value: boolean) => t(value ? 'export.yes' : 'export.no');
  return [
    col('customer', 32, (r) => r.customer.name),
    col('owner', 10, (r) => ownerName(r.customer, r.names, t)),
    col('name', 12, (r) => r.item.name),
    col('position', 14, (r) => r.item.position),
    col('phones', 28, (r) => list(r.item.phones)),
    col('email', 24, (r) => r.item.email),
    col('birthday', 12, (r) => businessDate(r.item.birthday)),
    col('isPrimary', 10, (r) => yesNo(r.item.isPrimary)),
    col('leftCompany', 10, (r) => yesNo(r.item.leftCompany)),
    col('notes', 30, (r) => r.item.notes),
    col('createdAt', 17, (r) => businessTime(r.item.createdAt)),
  ];
}

type FollowUpRow = Child<Awaited<ReturnType<FollowUpService['views']>>[number]>;

function followUpColumns({ t, label }: Context): Column<FollowUpRow>[] {
  const col = (key: string, width: number, value: Column<FollowUpRow>['value']) => ({ key: `export.col.followUp.${key}`, width, value });
  return [
    col('customer', 32, (r) => r.customer.name),
    col('owner', 10, (r) => ownerName(r.customer, r.names, t)),
    col('at', 17, (r) => businessTime(r.item.at)),
    col('method', 8, (r) => label('followUpMethod', r.item.method)),
    col('content', 50, (r) => r.item.content),
    col('result', 30, (r) => r.item.result),
    col('nextStep', 30, (r) => r.item.nextStep),
    col('nextFollowUpAt', 17, (r) => businessTime(r.item.nextFollowUpAt)),
    col('stageChange', 14, (r) => (r.item.stageChange ? `${label('stage', r.item.stageChange.from)} → ${label('stage', r.item.stageChange.to)}` : null)),
    col('location', 30, (r) => r.item.location?.address ?? (r.item.location ? `${r.item.location.lat},${r.item.location.lng}` : null)),
    col('createdBy', 10, (r) => r.item.createdBy.name),
  ];
}

function ownerName(customer: Customer, names: Names, t: Context['t']): string | null {
  if (customer.ownerId) return names.users.get(customer.ownerId.toHexString()) ?? null;
  return customer.pool ? t('export.pool') : null;
}

// ---- helpers ---------------------------------------------------------------------------------

const customerFilterKeys = Object.keys(customerFilterFields);

/** The customer-list part of a filter (`q` is the list's other name for `keyword`). */
function customerFilterOf(filter: ExportRequest['filter']): CustomerFilter {
  const own = Object.fromEntries(Object.entries(filter).filter(([key, value]) => customerFilterKeys.includes(key) && value !== undefined)) as CustomerFilter & { q?: string };
  const { q, ...rest } = own;
  const keyword = rest.keyword ?? q;
  return { ...rest, ...(keyword ? { keyword } : {}) };
}

function contactWhere(filter: ExportRequest['filter']): ContactWhere {
  const f = filter as { isPrimary?: boolean; leftCompany?: boolean };
  return { ...(f.isPrimary !== undefined ? { isPrimary: f.isPrimary } : {}), ...(f.leftCompany !== undefined ? { leftCompany: f.leftCompany } : {}) };
}

function followUpWhere(filter: ExportRequest['filter']): FollowUpWhere {
  const f = filter as { from?: Date; to?: Date; method?: string; author?: string };
  return {
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
    ...(f.method ? { method: f.method } : {}),
    ...(f.author ? { createdBy: f.author } : {}),
  };
}

async function* chunks<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of source) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

/** Resolves once the stream wants more, or is gone (a download cut off never drains). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
