/**
 * Append-only migrations, listed here in order (static imports, so they ship inside the build).
 * Kysely's migrator keeps its own table and lock, so several processes starting at once on one
 * PostgreSQL run each migration once.
 */
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import * as m0001 from './migrations/0001-initial.js';
import type { DB } from './schema.js';

export const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
};

export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationResultSet['results']> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    migrationTableName: 'rundun_migrations',
    migrationLockTableName: 'rundun_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new Error('Database migration failed', { cause: error });
  return results;
}
