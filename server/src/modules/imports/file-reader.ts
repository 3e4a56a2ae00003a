// Reads an import file as rows of cell texts, streaming: .xlsx through exceljs' streaming reader,
// CSV through papaparse after the encoding is found (UTF-8 with or without BOM, UTF-16 with BOM,
// and GBK/GB18030 as Chinese Excel saves CSV). Formulas are never evaluated: a formula cell gives
// the value Excel stored with it. What the content says decides the format, not the file name.
import { Readable } from 'node:stream';
import chardet from 'chardet';
import type ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import yauzl from 'yauzl';
import { AppError } from '../../core/errors.ts';
import { WorkbookReader } from './xlsx-stream-reader.ts';

export type ImportFormat = 'xlsx' | 'csv';

export interface SniffedFile {
  format: ImportFormat;
  /** CSV only: the text encoding */
  encoding?: string;
}

/** Rows after this many empty ones in a row are taken as the end of the data (formatted blank rows). */
const maxEmptyRun = 10_000;

const fail = (messageKey: string, params?: Record<string, string | number>) =>
  new AppError('VALIDATION', { messageKey, ...(params ? { params } : {}), details: [{ path: 'file' }] });

const startsWith = (content: Buffer, bytes: number[]) => bytes.every((b, i) => content[i] === b);

/** Checks a zip is an Excel workbook and not a bomb: its entries and their unpacked size. */
async function checkWorkbookZip(content: Buffer, maxUnpackedBytes: number): Promise<void> {
  const names = await new Promise<string[]>((resolve, reject) => {
    yauzl.fromBuffer(content, { lazyEntries: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(fail('error.import.notXlsx'));
      const found: string[] = [];
      let unpacked = 0;
      zip.on('entry', (entry: yauzl.Entry) => {
        unpacked += entry.uncompressedSize;
        if (unpacked > maxUnpackedBytes) {
          zip.close();
          return reject(fail('error.import.tooLarge'));
        }
        found.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(found));
      zip.on('error', () => reject(fail('error.import.notXlsx')));
      zip.readEntry();
    });
  });
  if (!names.includes('[Content_Types].xml') || !names.some((n) => n === 'xl/workbook.xml')) throw fail('error.import.notXlsx');
}

function detectEncoding(content: Buffer): string {
  if (startsWith(content, [0xef, 0xbb, 0xbf])) return 'utf8';
  if (startsWith(content, [0xff, 0xfe])) return 'utf16le';
  if (startsWith(content, [0xfe, 0xff])) return 'utf16be';
  const sample = content.subarray(0, 256 * 1024);
  try {
    // stream: true lets a character cut at the sample's end pass
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return 'utf8';
  } catch {
    // not UTF-8: Chinese Excel writes GBK, of which GB18030 is the superset; chardet confirms
    // other single-byte guesses rarely, so GB18030 is the fallback for anything it cannot name
    const guess = (chardet.detect(sample) ?? '').toLowerCase();
    if (guess === 'big5') return 'big5';
    if (guess === 'utf-16le') return 'utf16le';
    return 'gb18030';
  }
}

/** What the file is, from its bytes; wrong types answer a clear error. */
export async function sniffFile(content: Buffer, maxUnpackedBytes: number): Promise<SniffedFile> {
  if (content.length === 0) throw fail('error.import.empty');
  if (startsWith(content, [0x50, 0x4b, 0x03, 0x04])) {
    await checkWorkbookZip(content, maxUnpackedBytes);
    return { format: 'xlsx' };
  }
  if (startsWith(content, [0xd0, 0xcf, 0x11, 0xe0])) throw fail('error.import.oldXls');
  const encoding = detectEncoding(content);
  // binary content (images, PDFs, executables) has NUL bytes where text has none
  if (!encoding.startsWith('utf16') && content.subarray(0, 8192).includes(0)) throw fail('error.import.wrongType');
  if (startsWith(content, [0x25, 0x50, 0x44, 0x46])) throw fail('error.import.wrongType'); // %PDF
  return { format: 'csv', encoding };
}

type CellValue = ExcelJS.CellValue;

/** The text of a cell as Excel shows it; formulas give their stored result, never evaluated. */
function cellText(value: CellValue): string {
  if (value == null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('formula' in value || 'sharedFormula' in value) {
      const result = (value as { result?: CellValue }).result;
      return result == null || typeof result === 'object' ? (result instanceof Date ? cellText(result) : '') : String(result);
    }
    if ('text' in value) return cellText((value as { text: CellValue }).text);
    if ('error' in value) return '';
  }
  return '';
}

async function* xlsxRows(content: Buffer): AsyncGenerator<string[]> {
  const reader = new WorkbookReader(Readable.from([content]), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  });
  for await (const worksheet of reader) {
    for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
      const values = Array.isArray(row.values) ? row.values.slice(1) : [];
      yield Array.from(values, (v) => cellText(v as CellValue));
    }
    return; // the first sheet only
  }
}

/**
 * CSV rows a thousand at a time: papaparse parses the decoded text and pauses after each batch,
 * so rows are made only as fast as they are taken (the upload itself is held in memory anyway).
 */
async function* csvRows(content: Buffer, encoding: string): AsyncGenerator<string[]> {
  const text = iconv.decode(content, encoding, { stripBOM: true });
  let batch: string[][] = [];
  let parser: Papa.Parser | null = null;
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const ready = () => {
    wake?.();
    wake = null;
  };
  Papa.parse<string[]>(text, {
    skipEmptyLines: false,
    step: (result, p) => {
      parser = p;
      batch.push(result.data);
      if (batch.length >= 1000) {
        p.pause();
        ready();
      }
    },
    complete: () => {
      finished = true;
      ready();
    },
    error: (error: unknown) => {
      failure = error;
      finished = true;
      ready();
    },
  });
  try {
    for (;;) {
      if (batch.length === 0 && !finished) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      const rows = batch;
      batch = [];
      for (const row of rows) yield row;
      if (finished && batch.length === 0) return;
      (parser as Papa.Parser | null)?.resume();
    }
  } finally {
    if (!finished) (parser as Papa.Parser | null)?.abort();
  }
}

const isEmpty = (row: string[]) => row.every((cell) => !cell || !cell.trim());

/**
 * The file's non-empty rows with their 1-based row numbers in the file: the header first. Stops
 * with an error past maxRows data rows; a long run of empty rows ends the data.
 */
export async function* readRows(content: Buffer, file: SniffedFile, maxRows: number): AsyncGenerator<{ line: number; cells: string[] }> {
  const rows = file.format === 'xlsx' ? xlsxRows(content) : csvRows(content, file.encoding ?? 'utf8');
  let line = 0;
  let emptyRun = 0;
  let yielded = 0;
  try {
    for await (const cells of rows) {
      line++;
      if (isEmpty(cells)) {
        if (++emptyRun >= maxEmptyRun) break;
        continue;
      }
      emptyRun = 0;
      if (++yielded > maxRows + 1) throw fail('error.import.tooManyRows', { max: maxRows });
      yield { line, cells: cells.map((c) => c ?? '') };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw fail(file.format === 'xlsx' ? 'error.import.notXlsx' : 'error.import.unreadable');
  }
}
