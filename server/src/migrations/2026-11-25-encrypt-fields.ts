// Phones and emails of customers, contacts and leads are stored encrypted since this release, and
// found through blind indexes. Data written before is rewritten once: encrypted, its mobile keys,
// search tokens, duplicate keys and contact email keys rebuilt. Unlike the others this migration
// writes through the models: encryption is what the models do, and it is the same rewrite that key
// rotation runs. Idempotent: rewriting an encrypted document again changes only its ciphertext.
import type { Migration } from '../core/db/migrations.ts';
import { rewriteEncryptedFields } from '../modules/encryption/rewrite-encrypted.ts';
import { GridFsStorage } from '../modules/files/file-storage.ts';
import type { MigrationContext } from './index.ts';

export const encryptFields: Migration<MigrationContext> = {
  id: '2026-11-25-encrypt-fields',
  description: 'encrypt stored phones and emails, and index them blind',
  async up({ db, models, logger }) {
    await rewriteEncryptedFields(models, new GridFsStorage(db), logger);
  },
};
