import Router from '@koa/router';
import busboy from 'busboy';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import type { KemaiContext, KemaiState } from '../../core/http/context.ts';
import { imageTypes, type FileService } from './file.service.ts';

/** Reads the single `file` part of a multipart upload into memory, stopping at the size limit. */
export function readUpload(ctx: KemaiContext, maxBytes: number, tooLarge: () => AppError): Promise<{ content: Buffer; name: string }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, defParamCharset: 'utf8', limits: { files: 1, fileSize: maxBytes, fields: 10 } });
    } catch {
      reject(new AppError('VALIDATION', { messageKey: 'error.file.missing' }));
      return;
    }
    let found: Promise<{ content: Buffer; name: string }> | null = null;
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || found) {
        stream.resume();
        return;
      }
      found = new Promise((resolveFile, rejectFile) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('limit', () => rejectFile(tooLarge()));
        stream.on('end', () => resolveFile({ content: Buffer.concat(chunks), name: info.filename ?? 'photo' }));
        stream.on('error', rejectFile);
      });
      found.catch(() => undefined);
    });
    parser.on('error', () => reject(new AppError('VALIDATION', { messageKey: 'error.file.missing' })));
    parser.on('close', () => {
      if (!found) reject(new AppError('VALIDATION', { messageKey: 'error.file.missing' }));
      else found.then(resolve, reject);
    });
    ctx.req.pipe(parser);
  });
}

export function fileRoutes(files: FileService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.post('/files', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    scope.require('customer.edit');
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > files.maxBytes + 64 * 1024) throw files.tooLarge();
    const { content, name } = await readUpload(ctx, files.maxBytes, () => files.tooLarge());
    ctx.status = 201;
    ctx.body = await files.upload(scope, content, name);
  });
  router.get('/files/:id', requireAuth(), async (ctx) => {
    const { file, stream } = await files.open(scopeOf(ctx.state), ctx.params.id!);
    ctx.set('Content-Type', file.meta.contentType);
    ctx.set('Content-Length', String(file.length));
    ctx.set('Cache-Control', 'private, max-age=86400');
    // never sniffed, never a page: shown inline only when it is an image, and sandboxed even then
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
    const disposition = imageTypes.has(file.meta.contentType) ? 'inline' : 'attachment';
    // RFC 5987: encodeURIComponent leaves ' ( ) * ! as they are, which the value may not hold
    const encoded = encodeURIComponent(file.filename).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    ctx.set('Content-Disposition', `${disposition}; filename*=UTF-8''${encoded}`);
    ctx.body = stream;
  });
  return router;
}
