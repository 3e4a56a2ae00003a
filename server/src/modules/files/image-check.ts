// Whether an upload that starts like an image is one: its header parses as that type (image-size)
// with a sane size, and its structure holds together to the end (a JPEG header stuck on a page of
// HTML does not). Verified rather than re-encoded: re-encoding needs native image libraries.
import { crc32 } from 'node:zlib';
import { imageSize } from 'image-size';

/** The app sends photos scaled to 1600 px; far more pixels than that in a 10 MB file is a decompression bomb. */
export const maxImagePixels = 100_000_000;

// image-size's names for each type file-type detects (HEIF ones are the major brand)
const heifBrands = ['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'];
const parsedTypes: Record<string, string[]> = {
  'image/jpeg': ['jpg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'image/gif': ['gif'],
  'image/heic': heifBrands,
  'image/heif': heifBrands,
};
const structureChecks: Record<string, (content: Buffer) => boolean> = {
  'image/jpeg': jpegHoldsTogether,
  'image/png': pngHoldsTogether,
  'image/gif': gifHoldsTogether,
};

/**
 * Parses the image behind the magic bytes: null when it is well formed, else the reason it is refused.
 * Its header must parse as the detected type with a sane size, and a JPEG's segments or a PNG's
 * chunks must hold together (a JPEG header stuck on a page of HTML does not).
 */
export function imageProblem(content: Buffer, mime: string): 'invalid' | 'tooManyPixels' | null {
  // first, as they fail fast: image-size alone crawls a 10 MB JPEG of junk byte by byte for a second
  const holdsTogether = structureChecks[mime];
  if (holdsTogether && !holdsTogether(content)) return 'invalid';
  let size: { width: number; height: number; type?: string | undefined };
  try {
    size = imageSize(content);
  } catch {
    return 'invalid';
  }
  if (!parsedTypes[mime]?.includes(size.type ?? '')) return 'invalid';
  const { width, height } = size;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) return 'invalid';
  if (width * height > maxImagePixels) return 'tooManyPixels';
  if (mime === 'image/webp' && content.readUInt32LE(4) + 8 > content.length) return 'invalid'; // truncated RIFF
  return null;
}

const jpegEnd = Buffer.from([0xff, 0xd9]);

/** SOI, marker segments that fit the file, a frame header (SOFn) before the first scan, and an EOI after it. */
function jpegHoldsTogether(b: Buffer): boolean {
  let pos = 2;
  let frame = false;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return false;
    const marker = b[pos + 1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker <= 0x01 || (marker >= 0xd0 && marker <= 0xd9)) return false; // no RSTn, SOI or EOI before the scan
    const end = pos + 2 + b.readUInt16BE(pos + 2);
    if (end < pos + 4 || end > b.length) return false;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) frame = true;
    if (marker === 0xda) return frame && b.indexOf(jpegEnd, end) > end;
    pos = end;
  }
  return false;
}

/** Chunks with matching CRCs from IHDR (first) through IDAT to IEND; bytes after IEND are not the image's. */
function pngHoldsTogether(b: Buffer): boolean {
  let pos = 8;
  let data = false;
  while (pos + 12 <= b.length) {
    const length = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (length > 0x7fffffff || end > b.length || !/^[A-Za-z]{4}$/.test(type)) return false;
    if (crc32(b.subarray(pos + 4, end - 4)) !== b.readUInt32BE(end - 4)) return false;
    if ((pos === 8) !== (type === 'IHDR') || (type === 'IHDR' && length !== 13)) return false;
    if (type === 'IDAT') data = true;
    if (type === 'IEND') return data;
    pos = end;
  }
  return false;
}

/** Header, colour table, then images and extensions made of sub-blocks, up to the trailer. */
function gifHoldsTogether(b: Buffer): boolean {
  const table = (flags: number) => (flags & 0x80 ? 3 << ((flags & 0x07) + 1) : 0);
  let pos = 13 + table(b[10] ?? 0);
  let image = false;
  while (pos < b.length) {
    const block = b[pos];
    if (block === 0x3b) return image;
    if (block === 0x2c) {
      pos += 10 + table(b[pos + 9] ?? 0) + 1; // descriptor, local colour table, LZW code size
      image = true;
    } else if (block === 0x21) pos += 2; // introducer and label
    else return false;
    while (pos < b.length && b[pos] !== 0) pos += b[pos]! + 1; // sub-blocks
    pos += 1; // block terminator
  }
  return false;
}

