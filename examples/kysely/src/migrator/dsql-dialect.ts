import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  type QueryCompiler,
} from 'kysely'
import { DsqlAdapter } from './dsql-adapter.ts'
import { type LockTimings, lockTimings, type MigrationLockSettings } from './migration-lease.ts'

/**
 * Kysely's `PostgresDialect` for Aurora DSQL: the same driver, query compiler and introspector,
 * and {@link DsqlAdapter} as its adapter, so that Kysely's `Migrator` runs without transactional
 * DDL and takes a lease on its lock row instead of an advisory lock.
 *
 * The lease is renewed on connections of the same pool, so the pool needs room for one besides
 * the migration's (`max` of 2 or more).
 *
 * @example
 * ```ts
 * const db = new Kysely<Database>({ dialect: new DsqlDialect({ pool }, { waitSeconds: 60 }) })
 * ```
 */
export class DsqlDialect implements Dialect {
  readonly #postgres: PostgresDialect
  readonly #lock: LockTimings
  /** Runs lease renewals on pooled connections; it is never destroyed, as it owns nothing. */
  #heartbeat: Kysely<object> | undefined

  /** @throws {RangeError} for lock settings out of range, before any connection opens. */
  constructor(config: PostgresDialectConfig, lock: MigrationLockSettings = {}) {
    this.#postgres = new PostgresDialect(config)
    this.#lock = lockTimings(lock)
  }

  createDriver(): Driver {
    return this.#postgres.createDriver()
  }

  createQueryCompiler(): QueryCompiler {
    return this.#postgres.createQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new DsqlAdapter({
      lock: this.#lock,
      // A second Kysely over the same pool: destroying it would end that pool, so it never is;
      // the application's instance ends the pool.
      heartbeat: () => {
        this.#heartbeat ??= new Kysely<object>({ dialect: this.#postgres })
        return this.#heartbeat
      },
    })
  }

  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector {
    return this.#postgres.createIntrospector(db)
  }
}
