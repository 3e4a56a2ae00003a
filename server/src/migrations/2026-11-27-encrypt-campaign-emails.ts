// Since this release campaign recipients' addresses are stored encrypted and found by their blind
// index, and the unsubscribe list is keyed by that index with the address encrypted beside it.
// Databases written before get both rewritten once; running it again changes only ciphertexts.
import type { Migration } from '../core/db/migrations.ts';
import { rewriteCampaignEmails } from '../modules/encryption/rewrite-encrypted.ts';
import type { MigrationContext } from './index.ts';

export const encryptCampaignEmails: Migration<MigrationContext> = {
  id: '2026-11-27-encrypt-campaign-emails',
  description: 'encrypt campaign recipients and key the unsubscribe list by blind index',
  async up({ models }) {
    await rewriteCampaignEmails(models);
  },
};
