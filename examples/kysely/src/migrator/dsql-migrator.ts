import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isOccConflict, type RetryOptions, withRetry } from 'dsql-auth'
import type { Kysely } from 'kysely'
import {
  FileMigrationProvider,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
  type MigrationResultSet,
  Migrator,
} from 'kysely/migration'
import { assertMigrationLock } from './dsql-adapter.ts'
import { MigrationError } from './migration-error.ts'

/** The example's migrations: one file per step in `src/migrations`, applied in name order. */
export const MIGRATION_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url))

/** Options of {@link createMigrator}. */
export interface DsqlMigratorOptions {
  /**
   * The schema of Kysely's tables `kysely_migration` and `kysely_migration_lock`: the schema the
   * migrations create their tables in (`schemaFor(config.user)`). Named explicitly, so that a
   * role never mistakes another schema's migration table for its own.
   */
  readonly schema: string
  /** The folder of migration files (Kysely's `FileMigrationProvider`). Default {@link MIGRATION_FOLDER}. */
  readonly folder?: string
  /** Where the migrations come from, instead of a folder: any Kysely `MigrationProvider`. */
  readonly provider?: MigrationProvider
  /** Kysely's migration table. Default `kysely_migration`. */
  readonly migrationTableName?: string
  /** Kysely's migration lock table. Default `kysely_migration_lock`. */
  readonly migrationLockTableName?: string
}

/**
 * Kysely's own `Migrator`, set up for Aurora DSQL:
 *
 * - `disableTransactions: true`: DSQL allows one DDL statement per transaction and no DDL beside
 *   DML, so no transaction wraps a migration (and `DsqlAdapter` reports no transactional DDL);
 * - the lock is `DsqlAdapter`'s lease on Kysely's lock row (the Kysely instance must come from
 *   `createDb`, whose dialect is `DsqlDialect`), renewed before every step: a step runs only while
 *   this migrator holds the lock;
 * - migration tables in `options.schema`.
 *
 * Without a transaction, Kysely records a migration after its `up` succeeded: a migration that
 * fails is not recorded, and one whose DDL ran but whose record was not written runs again next
 * time. Hence each migration is one DDL statement, written to be run again (`ifNotExists()`,
 * `ifExists()`).
 *
 * @example
 * ```ts
 * const migrator = createMigrator(db, { schema: schemaFor(config.user) })
 * const applied = await runMigrations(migrator, 'latest')
 * ```
 */
export function createMigrator<DB>(db: Kysely<DB>, options: DsqlMigratorOptions): Migrator {
  return new Migrator({
    db,
    provider: fenced(options.provider ?? fileProvider(options.folder ?? MIGRATION_FOLDER)),
    disableTransactions: true,
    migrationTableSchema: options.schema,
    ...(options.migrationTableName && { migrationTableName: options.migrationTableName }),
    ...(options.migrationLockTableName && {
      migrationLockTableName: options.migrationLockTableName,
    }),
  })
}

/** `latest` applies every pending migration, `up` the next one, `down` undoes the last one. */
export type MigrationCommand = 'latest' | 'up' | 'down'

/**
 * Runs `command` and returns Kysely's result per migration (empty when there was nothing to do).
 * A run that fails with an optimistic-concurrency conflict (`40001`, e.g. two migrators creating
 * Kysely's tables at once) runs again: every step is safe to repeat.
 *
 * @throws {MigrationError} `MIGRATION_FAILED` with the database's error as `cause` and the
 *   results (which migration failed, which ran before it), or a lock error (`LOCK_TIMEOUT`, ...).
 */
export async function runMigrations(
  migrator: Migrator,
  command: MigrationCommand = 'latest',
  retry: RetryOptions = {},
): Promise<readonly MigrationResult[]> {
  let resultSet: MigrationResultSet
  try {
    resultSet = await withRetry(async () => {
      const set = await run(migrator, command)
      if (set.error !== undefined && isOccConflict(set.error)) throw set.error
      return set
    }, retry)
  } catch (error) {
    throw new MigrationError('MIGRATION_FAILED', `migrate ${command} kept conflicting`, {
      cause: error,
    })
  }
  const { error, results = [] } = resultSet
  if (error === undefined) return results
  if (error instanceof MigrationError) throw error
  const failed = results.find((r) => r.status === 'Error')
  throw new MigrationError(
    'MIGRATION_FAILED',
    failed === undefined
      ? `migrate ${command} failed before any migration ran`
      : `migration ${failed.migrationName} failed (${failed.direction.toLowerCase()}); ` +
          'it is not recorded, and no later migration ran',
    { cause: error, results },
  )
}

function run(migrator: Migrator, command: MigrationCommand): Promise<MigrationResultSet> {
  if (command === 'up') return migrator.migrateUp()
  if (command === 'down') return migrator.migrateDown()
  return migrator.migrateToLatest()
}

/** Kysely's file provider; modules are imported by file URL, which works on every platform. */
function fileProvider(folder: string): MigrationProvider {
  return new FileMigrationProvider({
    fs,
    path,
    migrationFolder: folder,
    import: (file) => import(pathToFileURL(file).href),
  })
}

/** Wraps every migration so that it renews (and so checks) the migration lock before it runs. */
function fenced(provider: MigrationProvider): MigrationProvider {
  return {
    async getMigrations() {
      const migrations = await provider.getMigrations()
      return Object.fromEntries(
        Object.entries(migrations).map(([name, migration]) => [name, fence(migration)]),
      )
    },
  }
}

function fence(migration: Migration): Migration {
  const { down } = migration
  return {
    async up(db) {
      await assertMigrationLock(db)
      await migration.up(db)
    },
    ...(down && {
      async down(db: Parameters<typeof down>[0]) {
        await assertMigrationLock(db)
        await down.call(migration, db)
      },
    }),
  }
}
