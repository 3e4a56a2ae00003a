// exceljs' streaming workbook reader, with one repair. exceljs 4.4 decodes each unzipped chunk on
// its own, so a Chinese character split between two chunks turns into �� (exceljs issue #2063,
// still open; the sample list shows it). The reader's modules are loaded afresh here with a chunk
// parser that decodes each stream through its own StringDecoder; the rest of exceljs is untouched,
// and whatever else loads exceljs keeps the stock modules.
import { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';
import type ExcelJS from 'exceljs';

const require = createRequire(import.meta.url);
const { SaxesParser } = require('saxes') as typeof import('saxes');

type SaxEvent = { eventType: 'opentag' | 'text' | 'closetag'; value: unknown };

async function* parseSax(iterable: AsyncIterable<Buffer | string>): AsyncGenerator<SaxEvent[]> {
  const parser = new SaxesParser();
  const decoder = new StringDecoder('utf8');
  let error: Error | undefined;
  let events: SaxEvent[] = [];
  parser.on('error', (e) => (error = e));
  parser.on('opentag', (value) => events.push({ eventType: 'opentag', value }));
  parser.on('text', (value) => events.push({ eventType: 'text', value }));
  parser.on('closetag', (value) => events.push({ eventType: 'closetag', value }));
  for await (const chunk of iterable) {
    parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (error) throw error;
    yield events;
    events = [];
  }
  const rest = decoder.end();
  if (rest) parser.write(rest);
  if (error) throw error;
  if (events.length) yield events;
}

function loadRepairedReader(): typeof ExcelJS.stream.xlsx.WorkbookReader {
  const resolve = (path: string) => require.resolve(`exceljs/lib/${path}`);
  const parseSaxPath = resolve('utils/parse-sax.js');
  const readers = ['stream/xlsx/workbook-reader.js', 'stream/xlsx/worksheet-reader.js', 'stream/xlsx/hyperlink-reader.js'].map(resolve);
  const saved = new Map([parseSaxPath, ...readers].map((path) => [path, require.cache[path]]));
  try {
    require(parseSaxPath); // loaded once, so that there is a cache entry to stand in for
    require.cache[parseSaxPath] = { ...require.cache[parseSaxPath]!, exports: parseSax, loaded: true } as NodeJS.Module;
    for (const path of readers) delete require.cache[path];
    return require(readers[0]!) as typeof ExcelJS.stream.xlsx.WorkbookReader;
  } finally {
    // put the stock modules back for everyone else
    for (const [path, entry] of saved) {
      if (entry) require.cache[path] = entry;
      else delete require.cache[path];
    }
  }
}

export const WorkbookReader = loadRepairedReader();
