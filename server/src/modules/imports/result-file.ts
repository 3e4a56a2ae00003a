// The result file: the input rows as they were, plus the outcome and the reason per row, so that the
// user fixes the invalid rows in Excel and imports just those again. Streamed, row by row.
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { translate, type Locale } from '../../core/i18n.ts';
import { safeText } from '../exports/cells.ts';
import type { ImportJob, ImportRow } from './import.model.ts';


export function writeResultFile(rows: AsyncGenerator<{ job: ImportJob } | { row: ImportRow }>, locale: Locale): PassThrough {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet('导入结果');
  void (async () => {
    let job: ImportJob | null = null;
    let columnOf = new Map<string, string>();
    for await (const item of rows) {
      if ('job' in item) {
        job = item.job;
        columnOf = new Map(Object.entries(job.mapping).map(([index, field]) => [field, job!.headers[Number(index)] ?? field]));
        sheet.addRow([...job.headers, translate('import.result.status', locale), translate('import.result.reason', locale)].map(safeText)).commit();
        continue;
      }
      const row = item.row;
      const problems = [...row.rowErrors, ...row.rowWarnings].map((p) => `${columnOf.get(p.field) ?? p.field}：${translate(`import.row.${p.code}`, locale)}`);
      if (row.note) problems.push(translate(`import.note.${row.note}`, locale));
      const width = job?.headers.length ?? row.cells.length;
      const cells = Array.from({ length: width }, (_, i) => row.cells[i] ?? '');
      sheet.addRow([...cells, translate(`import.status.${row.status}`, locale), problems.join('；')].map(safeText)).commit();
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error as Error));
  return out;
}
