import type { MigrationResult } from 'kysely/migration'

/**
 * What went wrong, for code that reacts to it:
 * - `LOCK_TIMEOUT`: another migrator held the migration lock for longer than the wait allowed;
 * - `LOCK_LOST`: this migrator's lease ran out and another migrator took the lock while it worked;
 * - `LOCK_NOT_HELD`: a migration step ran without this migrator holding the lock (a `Migrator`
 *   built over a Kysely instance whose dialect is not `DsqlDialect`);
 * - `INDEX_BUILD_FAILED`: an index job that `CREATE INDEX ASYNC` started did not complete;
 * - `MIGRATION_FAILED`: a migration (or Kysely's bookkeeping around it) failed; `cause` is the
 *   database's error as the driver raised it, e.g. SQLSTATE `0A000` for a statement DSQL refuses.
 */
export type MigrationErrorCode =
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'LOCK_NOT_HELD'
  | 'INDEX_BUILD_FAILED'
  | 'MIGRATION_FAILED'

/**
 * The one error class of the migration helpers: a fixed `name`, a machine-readable `code`, the
 * original error as `cause`, and for `MIGRATION_FAILED` Kysely's per-migration `results` (which
 * migrations ran, which failed, which were not reached).
 *
 * @example
 * ```ts
 * try {
 *   await runMigrations(migrator, 'latest')
 * } catch (error) {
 *   if (error instanceof MigrationError && error.code === 'LOCK_TIMEOUT') console.error(error.message)
 *   else throw error
 * }
 * ```
 */
export class MigrationError extends Error {
  override readonly name = 'MigrationError'
  readonly code: MigrationErrorCode
  /** Kysely's result per migration of the failed run; empty when it failed before any ran. */
  readonly results: readonly MigrationResult[]

  constructor(
    code: MigrationErrorCode,
    message: string,
    options: ErrorOptions & { readonly results?: readonly MigrationResult[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.results = Object.freeze([...(options.results ?? [])])
  }
}
