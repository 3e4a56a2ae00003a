// The dirty customer list in ../shared/fixtures/import-sample, as rows with their labelled entity.
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { fileURLToPath } from 'node:url';

export const fixtureDir = fileURLToPath(new URL('../../../shared/fixtures/import-sample/', import.meta.url));

function parseCsv(text: string): string[][] {
  return Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' }).data;
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
