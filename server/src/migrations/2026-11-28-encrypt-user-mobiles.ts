// Users synced from WeCom or DingTalk kept their mobile in plain text, and were linked across the
// two platforms by it. Since this release the mobile is encrypted like every other phone and found
// by its blind index. Databases written before get each user rewritten once, lose the `email` field
// nothing wrote and the index on the plain number. Running it again changes only ciphertexts.
import type { Migration } from '../core/db/migrations.ts';
import { rewriteUserMobiles } from '../modules/encryption/rewrite-encrypted.ts';
import type { MigrationContext } from './index.ts';

export const encryptUserMobiles: Migration<MigrationContext> = {
  id: '2026-11-28-encrypt-user-mobiles',
  description: "encrypt users' mobiles and link users by their blind index",
  async up({ db, models }) {
    if (!(await db.listCollections({ name: 'users' }, { nameOnly: true }).hasNext())) return; // a new database
    const users = db.collection('users');
    // through the driver: today's model no longer knows the field
    await users.updateMany({}, { $unset: { email: '' } });
    if ((await users.listIndexes().toArray()).some((index) => index.name === 'mobile_1_active_1')) await users.dropIndex('mobile_1_active_1');
    await rewriteUserMobiles(models.users);
  },
};
