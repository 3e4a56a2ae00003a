// Contacts gained an edit version (optimistic concurrency: a stale edit answers CONFLICT). Those
// written before it have none, which ContactService has to treat as 0 with an `$exists: false`
// precondition; giving them 0 makes every contact look alike. Idempotent: it only touches the
// contacts still without one. It scans the collection once, which is fine for a one-off.
import type { Migration } from '../core/db/migrations.ts';
import type { MigrationContext } from './index.ts';

export const contactVersions: Migration<MigrationContext> = {
  id: '2026-11-24-contact-versions',
  description: 'contacts without an edit version get version 0',
  async up({ db, logger }) {
    const result = await db.collection('contacts').updateMany({ version: { $exists: false } }, { $set: { version: 0 } });
    logger.info({ contacts: result.modifiedCount }, 'contacts given version 0');
  },
};
