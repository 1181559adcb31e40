/**
 * Append-only migrations, listed here in order (static imports, so they ship inside the build).
 * Kysely's migrator keeps its own table and lock, so several processes starting at once on one
 * PostgreSQL run each migration once.
 */
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-delivery-claim-indexes.js';
import * as m0004 from './migrations/0004-credit-buckets.js';
import * as m0005 from './migrations/0005-events-json.js';
import * as m0020 from './migrations/0020-dashboard-accounts.js';
import * as m0021 from './migrations/0021-runs-list-filters.js';
import * as m0060 from './migrations/0060-template-version-authors.js';
import * as m0030 from './migrations/0030-secret-wipe-and-log-retention.js';
import * as m0040 from './migrations/0040-attempt-lease-lost.js';
import * as m0015 from './migrations/0015-org-wide-reads-and-test-mode.js';
import * as m0031 from './migrations/0031-sign-in-delays.js';
import * as m0041 from './migrations/0041-rate-limit-counts.js';
import * as m0080 from './migrations/0080-delivery-last-response-status.js';
import type { DB } from './schema.js';

export const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-delivery-claim-indexes': m0002,
  '0004-credit-buckets': m0004,
  '0005-events-json': m0005,
  '0020-dashboard-accounts': m0020,
  '0021-runs-list-filters': m0021,
  '0060-template-version-authors': m0060,
  '0030-secret-wipe-and-log-retention': m0030,
  '0040-attempt-lease-lost': m0040,
  '0015-org-wide-reads-and-test-mode': m0015,
  '0031-sign-in-delays': m0031,
  '0041-rate-limit-counts': m0041,
  '0080-delivery-last-response-status': m0080,
};

export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationResultSet['results']> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    migrationTableName: 'rundun_migrations',
    migrationLockTableName: 'rundun_migrations_lock',
    // Migrations written on parallel branches may land out of name order; each is independent.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new Error('Database migration failed', { cause: error });
  return results;
}
