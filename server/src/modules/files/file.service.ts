// Uploads (visit photos): size-limited, type checked from the content, never from the name; served
// only to the uploader or to whoever may see the customer the file is attached to.
import type { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import type { RequestScope } from '../../core/auth/scope.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { FileStorage, StoredFile } from './file-storage.ts';
import { imageProblem, maxImagePixels } from './image-check.ts';

export const imageTypes = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'image/gif']);

/** Keeps a file name printable and short, without path parts. */
export function safeFilename(name: string, extension: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // cut by code points, not UTF-16 units: half a surrogate pair is no character
  const cleaned = Array.from(base.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^\.+/, '')).slice(0, 80).join('');
  const stem = cleaned.replace(/\.[^.]*$/, '') || 'file';
  return `${stem}.${extension}`;
}

export class FileService {
  private readonly deps: { storage: FileStorage; customers: CustomerService; maxBytes: number };

  constructor(deps: FileService['deps']) {
    this.deps = deps;
  }

  get maxBytes(): number {
    return this.deps.maxBytes;
  }

  async upload(scope: RequestScope, content: Buffer, name: string) {
    // reps photograph visits; service staff photograph what they repair
    if (!scope.can('customer.edit') && !scope.can('ticket.handle')) throw forbidden();
    if (content.length === 0) throw new AppError('VALIDATION', { messageKey: 'error.file.missing' });
    if (content.length > this.deps.maxBytes) throw this.tooLarge();
    const detected = await fileTypeFromBuffer(content);
    if (!detected || !imageTypes.has(detected.mime)) throw new AppError('VALIDATION', { status: 415, messageKey: 'error.file.type' });
    const problem = imageProblem(content, detected.mime);
    if (problem === 'tooManyPixels') {
      throw new AppError('VALIDATION', { status: 415, messageKey: 'error.file.tooManyPixels', params: { limit: maxImagePixels / 1_000_000 } });
    }
    if (problem) throw new AppError('VALIDATION', { status: 415, messageKey: 'error.file.invalidImage' });
    const filename = safeFilename(name, detected.ext);
    const id = await this.deps.storage.save(content, filename, {
      uploadedBy: scope.user.id,
      contentType: detected.mime,
      customerId: null,
      purpose: 'photo',
    });
    return { id, filename, contentType: detected.mime, size: content.length };
  }

  tooLarge(): AppError {
    return new AppError('VALIDATION', {
      status: 413,
      messageKey: 'error.file.tooLarge',
      params: { limit: `${Math.round(this.deps.maxBytes / 1024 / 1024)} MB` },
    });
  }

  async open(scope: RequestScope, id: string): Promise<{ file: StoredFile; stream: Readable }> {
    const file = await this.deps.storage.find(id);
    // an import's spreadsheet is stored sealed and read only by its import
    if (!file || file.meta.purpose === 'import') throw notFound();
    const mine = file.meta.uploadedBy === scope.user.id;
    if (!mine) {
      if (!file.meta.customerId) throw notFound();
      await this.deps.customers.requireFull(scope, file.meta.customerId); // NOT_FOUND outside the scope
    }
    return { file, stream: this.deps.storage.open(id) };
  }

  attach(scope: RequestScope, ids: string[], customerId: string): Promise<string[]> {
    return this.deps.storage.attach(ids, scope.user.id, customerId);
  }
}
