// Since this release an import's staged rows and spreadsheet, webhook secrets and delivery bodies
// are stored encrypted too. Databases that already ran 2026-11-25-encrypt-fields run the same
// rewrite once more to encrypt those (everything else only changes its ciphertext), to seal the
// spreadsheets of pending imports and delete those of finished ones.
import type { Migration } from '../core/db/migrations.ts';
import { rewriteEncryptedFields } from '../modules/encryption/rewrite-encrypted.ts';
import { GridFsStorage } from '../modules/files/file-storage.ts';
import type { MigrationContext } from './index.ts';

export const encryptImportsAndWebhooks: Migration<MigrationContext> = {
  id: '2026-11-26-encrypt-imports-webhooks',
  description: 'encrypt staged import rows, import spreadsheets, webhook secrets and delivery bodies',
  async up({ db, models, logger }) {
    await rewriteEncryptedFields(models, new GridFsStorage(db), logger);
  },
};
