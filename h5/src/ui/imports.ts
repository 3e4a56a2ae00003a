// 客户导入 as the pages show it: duplicate groups gathered from the rows the server pages out, and
// match reasons in words (masked by the server already: the match may be a customer the reader
// cannot open).
import type { GroupAction, ImportMatch, ImportMatchReason, ImportRow, ImportStatus } from '../api/types.ts';

/** The server is working on the import: the page asks again every second. */
export const isWorking = (status: ImportStatus) => status === 'analysing' || status === 'committing';

export interface DuplicateGroup {
  id: string;
  rows: ImportRow[];
  /** stored customers the group's rows match, best first, each once */
  matches: ImportMatch[];
}

/** Rows in duplicate groups (in index order) → the groups, ordered by their first row. */
export function duplicateGroups(rows: ImportRow[]): DuplicateGroup[] {
  const groups = new Map<string, DuplicateGroup>();
  for (const row of rows) {
    if (!row.group) continue;
    let group = groups.get(row.group);
    if (!group) groups.set(row.group, (group = { id: row.group, rows: [], matches: [] }));
    group.rows.push(row);
    for (const match of row.matches) {
      const same = group.matches.find((m) => (match.id ? m.id === match.id : !m.id && m.name === match.name));
      if (!same) group.matches.push(match);
      else if (match.score > same.score) Object.assign(same, { score: match.score, reasons: match.reasons });
    }
  }
  for (const group of groups.values()) group.matches.sort((a, b) => b.score - a.score);
  return [...groups.values()];
}

export interface Decision {
  action: GroupAction;
  targetId?: string;
}

/** Customers of the group the rows may be merged into: those the importer can see. */
export const mergeTargets = (group: DuplicateGroup) => group.matches.filter((m): m is ImportMatch & { id: string } => m.visible && !!m.id);

/** The i18n key and values of a match reason: 同一手机 138****8000, 名称读音相同, 同一城市. */
export function reasonMessage(reason: ImportMatchReason): { key: string; value?: string } {
  if (reason.kind === 'name') return { key: `imports.reason.name.${reason.match}` };
  if (reason.kind === 'place' || reason.kind === 'otherPlace') return { key: `imports.reason.${reason.kind}` };
  return { key: `imports.reason.${reason.kind}`, value: reason.value };
}

/** The customer name a row stands for: the normalised one when valid, else the cell as mapped. */
export function rowName(row: ImportRow, nameColumn: number | null): string {
  if (row.customer?.name) return row.customer.name;
  return nameColumn === null ? '' : (row.cells[nameColumn] ?? '').trim();
}

/** Saves a fetched file through a link the browser downloads (the session travels with the fetch, not the link). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** 电话：不是有效的电话号码（138-0000）: a row's problem with its field, reason and the value as written. */
export function problemText(t: Translate, has: (key: string) => boolean, problem: { field: string; code: string; value?: string | undefined }): string {
  const field = has(`imports.field.${problem.field}`) ? t(`imports.field.${problem.field}`) : problem.field;
  const reason = has(`imports.code.${problem.code}`) ? t(`imports.code.${problem.code}`) : problem.code;
  const value = problem.value?.trim();
  return value ? t('imports.problemValue', { field, reason, value: value.length > 40 ? `${value.slice(0, 40)}…` : value }) : t('imports.problem', { field, reason });
}
