// Every data migration, oldest first. Append new ones at the end; never rename, reorder or remove a
// released one (databases record them by id). Migrations write through the driver (`db`), not the
// models: a model describes today's data, a migration must keep meaning what it meant when written.
import type { Db } from 'mongodb';
import type { Models } from '../app.ts';
import type { Migration } from '../core/db/migrations.ts';
import type { Logger } from '../core/logger.ts';
import { contactVersions } from './2026-11-24-contact-versions.ts';
import { customerVersions } from './2026-11-24-customer-versions.ts';
import { encryptFields } from './2026-11-25-encrypt-fields.ts';
import { encryptImportsAndWebhooks } from './2026-11-26-encrypt-imports-webhooks.ts';
import { encryptCampaignEmails } from './2026-11-27-encrypt-campaign-emails.ts';
import { encryptUserMobiles } from './2026-11-28-encrypt-user-mobiles.ts';

export interface MigrationContext {
  db: Db;
  models: Models;
  logger: Logger;
}

export const migrations: readonly Migration<MigrationContext>[] = [contactVersions, customerVersions, encryptFields, encryptImportsAndWebhooks, encryptCampaignEmails, encryptUserMobiles];
