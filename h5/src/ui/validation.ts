// Quick checks as the user types; the server's entry standards decide, and their messages win.
export function looksLikePhone(input: string): boolean {
  const folded = input.normalize('NFKC').replace(/[\s\-()（）]/g, '');
  return /^(\+?86)?1[3-9]\d{9}$/.test(folded) || /^(\+?86)?0\d{2,3}\d{7,8}$/.test(folded) || /^[48]00\d{7}$/.test(folded) || /^\+\d{8,15}$/.test(folded);
}

export function looksLikeEmail(input: string): boolean {
  return /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(input.trim());
}
