// The dirty customer list in ../shared/fixtures/import-sample, as rows with their labelled entity.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixtureDir = fileURLToPath(new URL('../../../shared/fixtures/import-sample/', import.meta.url));

/** Minimal RFC 4180 CSV reading (quoted fields with commas); the importer (K8) uses a real parser. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim()));
}

export interface FixtureRow {
  row: number;
  entity: string;
  fields: Record<string, string>;
}

export function fixtureRows(): FixtureRow[] {
  const [header, ...rows] = parseCsv(readFileSync(fixtureDir + 'customers.csv', 'utf8').replace(/^\uFEFF/, ''));
  const labels = new Map(
    parseCsv(readFileSync(fixtureDir + 'labels.csv', 'utf8'))
      .slice(1)
      .map(([row, entity]) => [Number(row), entity!]),
  );
  return rows.map((cells, i) => ({
    row: i + 1,
    entity: labels.get(i + 1) ?? '',
    fields: Object.fromEntries(header!.map((name, j) => [name, cells[j] ?? ''])),
  }));
}
