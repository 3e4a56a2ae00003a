// The H5 app shows what people typed (customer names, follow-up notes, import cells) and what
// other systems sent: none of it may reach the page as HTML. Vue escapes text bindings; this keeps
// the ways around that out of the app's source (the CSP in core/http/security.ts is the backstop).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../h5/src', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(vue|ts)$/.test(name) ? [path] : [];
  });
}

describe('the H5 app renders no raw HTML', () => {
  it('uses no v-html, innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    const files = sources(root);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ file: file.slice(root.length + 1), line: i + 1, text: line }))
        .filter(({ text }) => /v-html|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write/.test(text)),
    );
    expect(found).toEqual([]);
  });
});
