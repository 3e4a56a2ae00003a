// One row per figure a benchmark measured, and the markdown report `npm run bench` writes from
// them (tests/bench/REPORT.md): measure | value | reference | ratio | goal | pass/fail.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';

export interface ResultRow {
  /** what was measured, starting with the benchmark's name */
  measure: string;
  value: number | null;
  unit: string;
  /** the same work without Kemai's layers (the raw driver, a bare Koa handler), measured in the same run */
  reference?: number | null;
  /** value ÷ reference */
  ratio?: number | null;
  /** the goal, as text: "≤ 15 s", "ratio ≤ 2", "0" */
  goal?: string | null;
  /** whether the goal was met; null when the row has no goal */
  pass?: boolean | null;
}

export const ratioOf = (value: number, reference: number): number | null => (reference > 0 ? value / reference : null);

function figure(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

const verdict = (pass: boolean | null | undefined) => (pass === true ? 'pass' : pass === false ? '**FAIL**' : '—');

/** The rows as one markdown table. */
export function markdownTable(rows: ResultRow[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| measure | value | reference | ratio | goal | pass/fail |', '| --- | ---: | ---: | ---: | --- | --- |'];
  for (const r of rows) {
    lines.push(
      `| ${cell(r.measure)} | ${figure(r.value, r.unit)} | ${figure(r.reference, r.unit)} | ${r.ratio === null || r.ratio === undefined ? '—' : r.ratio.toFixed(2)} | ${cell(r.goal ?? '—')} | ${verdict(r.pass)} |`,
    );
  }
  return lines.join('\n');
}

export function machineLine(now = new Date()): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GB memory, Node ${process.version}, ${process.platform}/${process.arch}, ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function writeReport(file: string, rows: ResultRow[], notes: string[] = []): void {
  const failed = rows.filter((r) => r.pass === false).length;
  const text = [
    '# Kemai benchmark report',
    '',
    `Written by \`npm run bench\` on ${machineLine()}.`,
    `Database: ${process.env.BENCH_MONGODB_URI ? 'the MongoDB at BENCH_MONGODB_URI' : 'the embedded engine (tools/embedded-mongo), in memory unless a row says h2-file'}.`,
    'Each reference is measured in the same run as its value (the raw driver, or a bare Koa + mongodb handler), so ratios compare like with like on this machine.',
    '',
    markdownTable(rows),
    '',
    `${rows.filter((r) => r.pass === true).length} goals met, ${failed} missed, ${rows.filter((r) => r.pass === null || r.pass === undefined).length} rows without a goal.`,
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
  writeFileSync(file, text);
}
