// Text folding shared by every normaliser: full-width letters, digits and brackets become
// half-width (NFKC), runs of white space collapse, and the ends are trimmed.
import * as OpenCC from 'opencc-js';

// Traditional characters (網絡科技, 廣州) as Hong Kong, Taiwan and older lists write them, converted
// with OpenCC's maintained tables, so that keys compare one script.
const hkToMainland = OpenCC.Converter({ from: 'hk', to: 'cn' });
const twToMainland = OpenCC.Converter({ from: 'tw', to: 'cn' });

export function toSimplified(input: string): string {
  return /[^\x00-\x7f]/.test(input) ? twToMainland(hkToMainland(input)) : input;
}

export function foldWidth(input: string): string {
  return input.normalize('NFKC').replace(/\u3000/g, ' ');
}

export function collapseSpaces(input: string): string {
  return input.replace(/\s+/g, ' ').trim();
}

/** The form a name is shown in: folded, spaces collapsed, Chinese brackets kept as typed. */
export function cleanDisplayText(input: string): string {
  return collapseSpaces(foldWidth(input).replace(/\(/g, '（').replace(/\)/g, '）'));
}

/** Removes everything but letters, digits and CJK characters, lowercased: for comparing. */
export function compactKey(input: string): string {
  return toSimplified(foldWidth(input))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

export function escapeRegex(input: string): string {
  return input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
