// Text folding shared by every normaliser: full-width letters, digits and brackets become
// half-width (NFKC), runs of white space collapse, and the ends are trimmed.
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
  return foldWidth(input)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

export function escapeRegex(input: string): string {
  return input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
