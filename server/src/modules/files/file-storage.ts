// Files live in the database (GridFS), so any number of server processes share them with no extra
// service. The rest of Kemai sees only this small interface.
import { Readable } from 'node:stream';
import { GridFSBucket, ObjectId, type Db } from 'mongodb';
import { Types } from 'mongoose';
import type { CustomerLink } from '../../core/db/customer-links.ts';

export interface StoredFileMeta {
  uploadedBy: string;
  contentType: string;
  /** the customer whose record the file belongs to, once attached */
  customerId: string | null;
  purpose: string;
}

export interface StoredFile {
  id: string;
  filename: string;
  length: number;
  uploadedAt: Date;
  meta: StoredFileMeta;
}

export interface FileStorage {
  save(content: Buffer, filename: string, meta: StoredFileMeta): Promise<string>;
  find(id: string): Promise<StoredFile | null>;
  open(id: string): Readable;
  /** Attaches photos the user uploaded and nobody attached yet to a customer; returns those attached. */
  attach(ids: string[], uploadedBy: string, customerId: string): Promise<string[]>;
  /** Deletes a file; one already gone is no error. */
  remove(id: string): Promise<void>;
}

/** A stored file's content, whole (for files read in one piece, such as an import's spreadsheet). */
export async function readStoredFile(storage: FileStorage, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of storage.open(id)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class GridFsStorage implements FileStorage {
  private readonly bucket: GridFSBucket;
  private readonly filesCollection;

  constructor(db: Db, bucketName = 'files') {
    this.bucket = new GridFSBucket(db, { bucketName });
    this.filesCollection = db.collection(`${bucketName}.files`);
  }

  save(content: Buffer, filename: string, meta: StoredFileMeta): Promise<string> {
    return new Promise((resolve, reject) => {
      const upload = this.bucket.openUploadStream(filename, { metadata: meta });
      Readable.from([content])
        .pipe(upload)
        .on('error', reject)
        .on('finish', () => resolve(upload.id.toHexString()));
    });
  }

  async find(id: string): Promise<StoredFile | null> {
    if (!ObjectId.isValid(id)) return null;
    const file = await this.filesCollection.findOne({ _id: new ObjectId(id) });
    if (!file) return null;
    return {
      id,
      filename: file.filename as string,
      length: file.length as number,
      uploadedAt: file.uploadDate as Date,
      meta: file.metadata as StoredFileMeta,
    };
  }

  open(id: string): Readable {
    return this.bucket.openDownloadStream(new ObjectId(id));
  }

  async remove(id: string): Promise<void> {
    if (!ObjectId.isValid(id)) return;
    try {
      await this.bucket.delete(new ObjectId(id));
    } catch (error) {
      if (!(error instanceof Error && /not found/i.test(error.message))) throw error;
    }
  }

  /** The index the customer merge reads attached files by (GridFS's own are the driver's). */
  async ensureIndexes(): Promise<void> {
    await this.filesCollection.createIndex({ 'metadata.customerId': 1 });
  }

  /** Files attached to a customer, as a customer merge moves them (the id is stored as text). */
  customerLink(): CustomerLink {
    const files = this.filesCollection;
    return {
      name: 'files',
      async move(from, to) {
        const found = await files.find({ 'metadata.customerId': String(from) }, { projection: { _id: 1 } }).toArray();
        const ids = found.map((f) => f._id as ObjectId);
        if (ids.length) await files.updateMany({ _id: { $in: ids } }, { $set: { 'metadata.customerId': String(to) } });
        return ids.map((id) => new Types.ObjectId(id.toHexString()));
      },
      async moveBack(ids, to, from) {
        if (ids.length === 0) return 0;
        const done = await files.updateMany(
          { _id: { $in: ids.map((id) => new ObjectId(id.toHexString())) }, 'metadata.customerId': String(to) },
          { $set: { 'metadata.customerId': String(from) } },
        );
        return done.modifiedCount;
      },
    };
  }

  async attach(ids: string[], uploadedBy: string, customerId: string): Promise<string[]> {
    const wanted = ids.filter((id) => ObjectId.isValid(id)).map((id) => new ObjectId(id));
    if (wanted.length === 0) return [];
    await this.filesCollection.updateMany(
      // only photos: an import's spreadsheet is the importer's alone, never a customer's attachment
      { _id: { $in: wanted }, 'metadata.uploadedBy': uploadedBy, 'metadata.customerId': null, 'metadata.purpose': 'photo' },
      { $set: { 'metadata.customerId': customerId } },
    );
    const attached = await this.filesCollection
      .find({ _id: { $in: wanted }, 'metadata.customerId': customerId }, { projection: { _id: 1 } })
      .toArray();
    return attached.map((f) => f._id.toHexString());
  }
}
