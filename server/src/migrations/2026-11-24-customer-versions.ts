// Customers carry an edit version too, and more code leans on it being a number: the optimistic
// update filters on it and webhook payloads announce `version + 1` (NaN for a customer without
// one, e.g. written by an older release or by hand into the database). Gives any such customer 0.
// On a database that never lacked it, this changes nothing. Idempotent like every migration.
import type { Migration } from '../core/db/migrations.ts';
import type { MigrationContext } from './index.ts';

export const customerVersions: Migration<MigrationContext> = {
  id: '2026-11-24-customer-versions',
  description: 'customers without an edit version get version 0',
  async up({ db, logger }) {
    const result = await db.collection('customers').updateMany({ version: { $exists: false } }, { $set: { version: 0 } });
    logger.info({ customers: result.modifiedCount }, 'customers given version 0');
  },
};
