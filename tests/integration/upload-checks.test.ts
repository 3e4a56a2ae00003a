// Uploads are checked by what they are, not by what they are called: the image must parse as the type
// its magic bytes claim, hold together, and have a sane number of pixels; names lose their path parts.
// Everything goes through the real HTTP layer; nothing refused may reach the file storage.
import { crc32, deflateSync } from 'node:zlib';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { safeFilename } from '../../server/src/modules/files/file.service.ts';
import { imageProblem, maxImagePixels } from '../../server/src/modules/files/image-check.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
let t: TestApp;
let token: string;
let raw: Connection;

// ---- images built byte by byte (the JPEG, GIF and WebP decode in Pillow; the PNGs are checked by their CRCs)

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit grey PNG; its pixel data covers at most a few rows, which no header check reads. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), no interlace
  const rows = Buffer.alloc(Math.min(height, 4) * (Math.min(width, 4096) + 1));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const jpegSegment = (marker: number, body: number[]) =>
  Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), Buffer.from(body)]);

/** The headers of a one-component baseline JPEG, up to and including its scan header. */
function jpegHeaders(width: number, height: number): Buffer {
  const huffman = (tableClass: number) => [tableClass, 1, ...new Array<number>(15).fill(0), 0]; // one code: symbol 0
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe0, [...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    jpegSegment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    jpegSegment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    jpegSegment(0xc4, huffman(0x00)),
    jpegSegment(0xc4, huffman(0x10)),
    jpegSegment(0xda, [1, 1, 0, 0, 63, 0]),
  ]);
}
/** A real grey JPEG: every block has DC 0 and an immediate end of block. */
const jpeg = (width = 1, height = 1) => Buffer.concat([jpegHeaders(width, height), Buffer.from([0x3f, 0xff, 0xd9])]);

const gif = () => Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const webp = () => Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
const html = '<!DOCTYPE html><html><body><script>fetch("/api/customers").then(r=>r.text()).then(alert)</script></body></html>';

// ---- requests

/** A multipart body written by hand, so the file name's bytes are exactly the test's. */
function multipart(dispositionName: string, content: Buffer): { body: Buffer; type: string } {
  const boundary = '----kemai-upload-checks-7f3a';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${dispositionName}\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head, 'utf8'), content, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

function uploadRaw(dispositionName: string, content: Buffer) {
  const { body, type } = multipart(dispositionName, content);
  return t.request('/api/files', { method: 'POST', token, body: new Uint8Array(body), headers: { 'Content-Type': type, 'Accept-Language': 'en' } });
}

function upload(content: Buffer, name: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  return t.request('/api/files', { method: 'POST', token, body: form, headers: { 'Accept-Language': 'en' } });
}

const stored = async () => ({
  files: await raw.db!.collection('files.files').countDocuments({}),
  chunks: await raw.db!.collection('files.chunks').countDocuments({}),
});

const typeMessage = 'Only images may be uploaded (JPEG, PNG, WebP, HEIC, GIF)';
const invalidMessage = 'The image is damaged or its content does not match its format';
const pixelsMessage = `The image has too many pixels (limit ${maxImagePixels / 1_000_000} megapixels)`;

beforeAll(async () => {
  t = await startTestApp();
  token = await t.login('rep.east1');
  // a connection of the test's own: its queries are not the app's, so the index coverage check skips them
  raw = await connectDatabase({ uri: t.db.uri, dbName: t.db.dbName });
});
afterAll(async () => {
  await raw.close();
  await t.close();
});

describe('upload content checks', () => {
  it('accepts real JPEG, PNG, GIF and WebP images and serves them back unchanged', async () => {
    const cases: [Buffer, string, string][] = [
      [jpeg(), 'visit.jpg', 'image/jpeg'],
      [jpeg(8, 8), 'visit.jpeg', 'image/jpeg'],
      [png(3, 2), 'shop.png', 'image/png'],
      [gif(), 'sign.gif', 'image/gif'],
      [webp(), 'shelf.webp', 'image/webp'],
    ];
    for (const [content, name, type] of cases) {
      const response = await upload(content, name);
      expect(response.status, name).toBe(201);
      const file = (await response.json()) as Json;
      expect(file, name).toMatchObject({ contentType: type, size: content.length });
      const served = await t.request(`/api/files/${file.id}`, { token });
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).equals(content), name).toBe(true);
    }
    // a photo with bytes after its end (a phone's appended data) is still the photo
    expect((await upload(Buffer.concat([png(2, 2), Buffer.from(html)]), 'trailer.png')).status).toBe(201);
    // exactly at the pixel limit
    expect((await upload(png(10_000, maxImagePixels / 10_000), 'limit.png')).status).toBe(201);
  });

  it('refuses what is not an image, whatever its name, and stores nothing', async () => {
    const before = await stored();
    const cases: [string | Buffer, string][] = [
      ['plain text, honestly', 'photo.jpg'],
      [html, 'photo.jpg'],
      ['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><rect width="10" height="10"/></svg>', 'photo.png'],
      ['<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'photo.svg'],
      [Buffer.from('PK\x03\x04 not a photo'), 'photo.jpg'],
    ];
    for (const [content, name] of cases) {
      const response = await upload(Buffer.from(content), name);
      expect(response.status, name).toBe(415);
      expect(((await response.json()) as Json).error).toMatchObject({ code: 'VALIDATION', message: typeMessage });
    }
    expect(await stored()).toEqual(before);
  });

  it('refuses images that do not hold together behind their magic bytes (polyglots, truncation, forgery)', async () => {
    const before = await stored();
    const validPng = png(2, 2);
    const badCrc = Buffer.from(validPng);
    badCrc.writeUInt8(badCrc.readUInt8(8 + 25 + 10) ^ 0xff, 8 + 25 + 10); // a byte inside the IDAT data
    const cases: [Buffer, string][] = [
      // a JPEG's first segment, then a page
      [Buffer.concat([jpegHeaders(1, 1).subarray(0, 20), Buffer.from(html)]), 'polyglot.jpg'],
      // just the magic bytes
      [Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(html)]), 'magic.jpg'],
      // the headers of a JPEG whose "scan" is a page that never ends the image
      [Buffer.concat([jpegHeaders(16, 16), Buffer.from(html)]), 'scan.jpg'],
      // cut off in the middle of its headers
      [jpeg().subarray(0, 60), 'cut.jpg'],
      // a frame of no pixels
      [jpeg(0, 0), 'empty.jpg'],
      // a PNG header, then a page
      [Buffer.concat([validPng.subarray(0, 33), Buffer.from(html)]), 'polyglot.png'],
      // a PNG whose data was changed behind its checksum
      [badCrc, 'crc.png'],
      [png(0, 5), 'zero.png'],
      // a WebP cut short of what its RIFF header says
      [webp().subarray(0, 28), 'cut.webp'],
      // a GIF header on a page
      [Buffer.concat([gif().subarray(0, 19), Buffer.from(html)]), 'polyglot.gif'],
    ];
    for (const [content, name] of cases) {
      const response = await upload(content, name);
      expect(response.status, name).toBe(415);
      expect(((await response.json()) as Json).error, name).toMatchObject({ code: 'VALIDATION', message: invalidMessage });
    }
    expect(await stored()).toEqual(before);
  });

  it('refuses decompression bombs: small files that claim absurd dimensions', async () => {
    const before = await stored();
    const forged = png(1, 1);
    forged.writeUInt32BE(100_000, 16); // IHDR width and height rewritten...
    forged.writeUInt32BE(100_000, 20);
    forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29); // ...and its checksum made to match
    const bigGif = gif();
    bigGif.writeUInt16LE(65_535, 6);
    bigGif.writeUInt16LE(65_535, 8);
    const cases: [Buffer, string][] = [
      [forged, 'bomb.png'],
      [png(10_001, 10_000), 'just-over.png'],
      [jpeg(65_535, 65_535), 'bomb.jpg'],
      [bigGif, 'bomb.gif'],
    ];
    for (const [content, name] of cases) {
      expect(content.length, name).toBeLessThan(1024);
      const response = await upload(content, name);
      expect(response.status, name).toBe(415);
      expect(((await response.json()) as Json).error, name).toMatchObject({ code: 'VALIDATION', message: pixelsMessage });
    }
    // the same forged PNG without the matching checksum is refused too
    const unsigned = png(1, 1);
    unsigned.writeUInt32BE(100_000, 16);
    expect((await upload(unsigned, 'forged.png')).status).toBe(415);
    expect(await stored()).toEqual(before);
  });

  it('answers in Chinese by default', async () => {
    const response = await t.request('/api/files', {
      method: 'POST',
      token,
      body: (() => {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(html)]))]), 'a.jpg');
        return form;
      })(),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as Json).error.message).toBe('图片已损坏或内容与格式不符');
  });

  it('refuses a large file of junk behind JPEG magic bytes at once, not after crawling it', () => {
    const junk = Buffer.alloc(10 * 1024 * 1024);
    junk.set([0xff, 0xd8, 0xff, 0xe0], 0);
    const started = performance.now();
    expect(imageProblem(junk, 'image/jpeg')).toBe('invalid');
    expect(performance.now() - started).toBeLessThan(400); // image-size alone takes about a second
  });

  it('refuses an image whose parsed type is not the detected one', () => {
    expect(imageProblem(png(2, 2), 'image/png')).toBeNull();
    expect(imageProblem(png(2, 2), 'image/jpeg')).toBe('invalid');
    expect(imageProblem(jpeg(), 'image/gif')).toBe('invalid');
    expect(imageProblem(gif(), 'image/webp')).toBe('invalid');
  });
});

describe('serving uploads', () => {
  it('sends the stored type, nosniff, a sandbox and an inline disposition with the safe name', async () => {
    const response = await upload(jpeg(), '../../etc/现场 照片.JPG');
    expect(response.status).toBe(201);
    const file = (await response.json()) as Json;
    expect(file.filename).toBe('现场_照片.jpg');
    const served = await t.request(`/api/files/${file.id}`, { token });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(served.headers.get('content-disposition')).toBe(`inline; filename*=UTF-8''${encodeURIComponent('现场_照片.jpg')}`);
    expect(Number(served.headers.get('content-length'))).toBe(jpeg().length);
  });
});

describe('file names', () => {
  // [Content-Disposition parameter as sent, the name Kemai keeps]; the content is always a PNG
  const names: [string, string][] = [
    ['filename="../../etc/passwd.jpg"', 'passwd.png'],
    ['filename="/etc/passwd"', 'passwd.png'],
    ['filename="..\\..\\x.png"', 'x.png'],
    ["filename*=UTF-8''..%5C..%5Cwindows%5Cx.png", 'x.png'],
    ['filename="%2e%2e%2f%2e%2e%2fetc%2fpasswd.png"', '_2e_2e_2f_2e_2e_2fetc_2fpasswd.png'],
    ["filename*=UTF-8''%2e%2e%2f%2e%2e%2fetc%2fpasswd.png", 'passwd.png'],
    ["filename*=UTF-8''evil%00.php%00.png", 'evil_.php_.png'],
    ['filename=".."', 'file.png'],
    ['filename=".htaccess"', 'htaccess.png'],
    ['filename="shell.php"', 'shell.png'],
    ['filename="photo.svg"', 'photo.png'],
    ["filename*=UTF-8''%E2%80%AEgnp.exe", '_gnp.png'], // right-to-left override
    ["filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1.png", 'a_Set-Cookie_x_1.png'],
    [`filename="${'a'.repeat(5000)}.png"`, `${'a'.repeat(80)}.png`],
    [`filename="${'𠀀'.repeat(100)}.png"`, `${'𠀀'.repeat(80)}.png`],
  ];

  it.each(names)('%s is kept as %s, served under that name', async (parameter, expected) => {
    const response = await uploadRaw(parameter, png(2, 2));
    expect(response.status).toBe(201);
    const file = (await response.json()) as Json;
    expect(file.filename).toBe(expected);
    expect(file.filename).toMatch(/^[\p{L}\p{N}_-][\p{L}\p{N}._-]*\.png$/u);
    expect(Array.from(file.filename as string).length).toBeLessThanOrEqual(84);
    const kept = await raw.db!.collection('files.files').findOne({}, { sort: { uploadDate: -1, _id: -1 } });
    expect(kept?.filename).toBe(expected);
    const served = await t.request(`/api/files/${file.id}`, { token });
    expect(served.headers.get('content-disposition')).toBe(`inline; filename*=UTF-8''${encodeURIComponent(expected)}`);
  });

  it('refuses raw control characters in the part header as a broken upload, storing nothing', async () => {
    const before = await stored();
    for (const parameter of ['filename="evil\0.php.png"', 'filename="a\r\nSet-Cookie: x=1.png"']) {
      const response = await uploadRaw(parameter, png(2, 2));
      expect(response.status, JSON.stringify(parameter)).toBe(400);
      expect(((await response.json()) as Json).error).toMatchObject({ code: 'VALIDATION', message: 'Choose a file to upload' });
    }
    expect(await stored()).toEqual(before);
  });

  it('safeFilename itself: no path parts, no leading dots, no control characters, no half characters', () => {
    expect(safeFilename('../../etc/passwd.jpg', 'jpg')).toBe('passwd.jpg');
    expect(safeFilename('..\\..\\x.png', 'png')).toBe('x.png');
    expect(safeFilename('C:\\Windows\\System32\\evil.dll', 'png')).toBe('evil.png');
    expect(safeFilename('%2e%2e%2fx', 'png')).toBe('_2e_2e_2fx.png');
    expect(safeFilename('a\0b.gif', 'gif')).toBe('a_b.gif');
    expect(safeFilename('', 'png')).toBe('file.png');
    expect(safeFilename('../', 'png')).toBe('file.png');
    expect(safeFilename('...', 'png')).toBe('file.png');
    const long = safeFilename(`x${'𠀀'.repeat(200)}`, 'png');
    expect(long).toBe(`x${'𠀀'.repeat(79)}.png`);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(long)).toBe(false);
  });
});
