import type { Driver } from '../bench-results.ts'

/** Where a template's static facts are read from. */
export interface FeatureTemplate {
  readonly driver: Driver
  /** The template's folder under `examples/`. */
  readonly dir: string
  /** The packages the template adds for its driver (their dependencies are followed). */
  readonly packages: readonly string[]
  /** The DSQL-specific code a user copies, under the template's `src/`. */
  readonly files: readonly string[]
}

/**
 * The three templates and what counts for each: `pg` is `pg` with `db.ts`, `transaction.ts` and
 * `retrying-pool.ts` (its pool that opens refused connections again); postgres.js is `postgres`
 * with `db.ts`, `transaction.ts` and `retry-refused.ts` (its statement retry); Kysely is `kysely`
 * and `pg` (its dialect runs over a `pg.Pool`) with `db.ts` and `transaction.ts`. Each template's
 * shared `dsql-auth` (and the AWS SDK under it) is the same for all three and not counted; nor
 * are Kysely's migration adapter (`src/migrator/`) or the examples' application code.
 *
 * @example
 * ```ts
 * FEATURE_TEMPLATES.map((template) => template.dir) // ['pg', 'postgres-js', 'kysely']
 * ```
 */
export const FEATURE_TEMPLATES: readonly FeatureTemplate[] = Object.freeze([
  {
    driver: 'pg',
    dir: 'pg',
    packages: ['pg'],
    files: ['db.ts', 'transaction.ts', 'retrying-pool.ts'],
  },
  {
    driver: 'postgres.js',
    dir: 'postgres-js',
    packages: ['postgres'],
    files: ['db.ts', 'transaction.ts', 'retry-refused.ts'],
  },
  {
    driver: 'kysely',
    dir: 'kysely',
    packages: ['kysely', 'pg'],
    files: ['db.ts', 'transaction.ts'],
  },
])
