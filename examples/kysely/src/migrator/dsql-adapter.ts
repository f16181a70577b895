import { type MigrationLockOptions, PostgresAdapter, type QueryExecutorProvider } from 'kysely'
import { MigrationError } from './migration-error.ts'
import { type LockTimings, MigrationLease } from './migration-lease.ts'

/** Options of {@link DsqlAdapter}: the lock's timings and where its renewals run. */
export interface DsqlAdapterOptions {
  /** From `lockTimings(settings)`. */
  readonly lock: LockTimings
  /** A handle that runs each query on a pooled connection, not the migration's own. */
  readonly heartbeat: () => QueryExecutorProvider
}

/**
 * Kysely's PostgreSQL adapter with two changes for Aurora DSQL, which its `Migrator` consults:
 *
 * - no transactional DDL: DSQL allows one DDL statement per transaction and none beside DML, so
 *   the `Migrator` runs each migration (and its own bookkeeping) statement by statement;
 * - the migration lock is a lease on Kysely's lock row ({@link MigrationLease}) instead of
 *   `pg_advisory_lock`, which DSQL does not have.
 *
 * `DsqlDialect` creates it; see `dsql-migrator.ts` for the `Migrator` around it.
 */
export class DsqlAdapter extends PostgresAdapter {
  readonly #options: DsqlAdapterOptions
  /** The lease of each migration connection (the `db` Kysely hands to acquire, steps, release). */
  readonly #leases = new WeakMap<object, MigrationLease>()

  constructor(options: DsqlAdapterOptions) {
    super()
    this.#options = Object.freeze({ ...options })
  }

  override get supportsTransactionalDdl(): boolean {
    return false
  }

  // Kysely passes a Kysely instance bound to the migration's connection; any query runner will do.
  override async acquireMigrationLock(
    db: QueryExecutorProvider,
    options: MigrationLockOptions,
  ): Promise<void> {
    const row = {
      table: options.lockTable,
      schema: options.lockTableSchema,
      rowId: options.lockRowId,
    }
    const lease = await MigrationLease.acquire(
      db,
      row,
      this.#options.heartbeat(),
      this.#options.lock,
    )
    this.#leases.set(db, lease)
  }

  override async releaseMigrationLock(db: QueryExecutorProvider): Promise<void> {
    // Kysely also calls this when acquiring failed: then there is nothing to release.
    const lease = this.#leases.get(db)
    if (lease === undefined) return
    this.#leases.delete(db)
    await lease.release(db)
  }

  /**
   * Renews the lock held for the migration connection `db`, before a migration step.
   *
   * @throws {MigrationError} `LOCK_NOT_HELD` when `db` holds no lock, `LOCK_LOST` when its lease
   *   was taken over.
   */
  async renewMigrationLock(db: QueryExecutorProvider): Promise<void> {
    const lease = this.#leases.get(db)
    if (lease === undefined) {
      throw new MigrationError(
        'LOCK_NOT_HELD',
        'a migration step ran without the migration lock: create the Migrator with createMigrator() over a Kysely instance from createDb()',
      )
    }
    await lease.renew(db)
  }
}

/**
 * Renews the migration lock of the connection a migration step runs on, or throws when it does
 * not hold it: `createMigrator` calls it before every step.
 *
 * @throws {MigrationError} `LOCK_NOT_HELD` or `LOCK_LOST`.
 */
export async function assertMigrationLock(db: QueryExecutorProvider): Promise<void> {
  const { adapter } = db.getExecutor()
  if (!(adapter instanceof DsqlAdapter)) {
    throw new MigrationError(
      'LOCK_NOT_HELD',
      'the Kysely instance of this migration does not use DsqlDialect, so no DSQL migration lock guards it: create it with createDb()',
    )
  }
  await adapter.renewMigrationLock(db)
}
