import type { Driver } from '../bench-results.ts'
import type { DsqlTarget } from '../bench-target.ts'

/** The target as a footprint process receives it: its environment comes as the process's own. */
export type FootprintTarget = Omit<DsqlTarget, 'env'>

/** A pool as a footprint process uses it. */
export interface FootprintPool {
  /** `select 1`, through the pool: the first query opens the first connection. */
  first(): Promise<void>
  /** `select $1::int as n`, through the pool; resolves to the `n` the server sent back. */
  point(value: number): Promise<number>
  end(): Promise<void>
}

/** One client measured in its own processes, and how such a process opens its pool. */
export interface FootprintClient {
  /** What the child process is told to open (a command-line value). */
  readonly id: 'pg' | 'postgres.js' | 'kysely' | 'official'
  readonly driver: Driver
  readonly client: 'template' | 'official'
  /**
   * Loads the client's modules (nothing is loaded before: the process measures their cost) and
   * opens its pool of {@link FOOTPRINT_POOL_MAX} connections. The templates read their
   * configuration from `process.env`, as a program that copied them would.
   */
  open(target: FootprintTarget): Promise<FootprintPool>
}

/** Connections per pool: the templates' default (`POOL_DEFAULTS.max`), and the queries in flight. */
export const FOOTPRINT_POOL_MAX = 10

/**
 * The clients of the footprint suite, in the order they are measured: each template's own
 * `src/db.ts` with its defaults, and the official connector's `AuroraDSQLPool` as the connect
 * workload builds it (`clients/official-pool.ts`). Module paths are literal, so the type checker
 * follows them, and imported only inside `open`.
 *
 * @example
 * ```ts
 * const pg = FOOTPRINT_CLIENTS.find((client) => client.id === 'pg')
 * const pool = await pg?.open(target)
 * ```
 */
export const FOOTPRINT_CLIENTS: readonly FootprintClient[] = Object.freeze([
  {
    id: 'pg',
    driver: 'pg',
    client: 'template',
    async open() {
      const { createPool } = await import('../../../examples/pg/src/db.ts')
      const pool = createPool()
      return {
        first: async () => void (await pool.query('select 1')),
        point: async (value) =>
          (await pool.query<{ n: number }>('select $1::int as n', [value])).rows[0]?.n ??
          Number.NaN,
        end: () => pool.end(),
      }
    },
  },
  {
    id: 'postgres.js',
    driver: 'postgres.js',
    client: 'template',
    async open() {
      const { createSql } = await import('../../../examples/postgres-js/src/db.ts')
      const sql = createSql()
      return {
        first: async () => void (await sql`select 1`),
        point: async (value) =>
          (await sql<{ n: number }[]>`select ${value}::int as n`)[0]?.n ?? Number.NaN,
        end: () => sql.end(),
      }
    },
  },
  {
    id: 'kysely',
    driver: 'kysely',
    client: 'template',
    async open() {
      const [{ createDb }, { sql }] = await Promise.all([
        import('../../../examples/kysely/src/db.ts'),
        import('kysely'),
      ])
      const db = createDb()
      return {
        first: async () => void (await sql`select 1`.execute(db)),
        point: async (value) =>
          (await sql<{ n: number }>`select ${value}::int as n`.execute(db)).rows[0]?.n ??
          Number.NaN,
        end: () => db.destroy(),
      }
    },
  },
  {
    id: 'official',
    driver: 'pg',
    client: 'official',
    async open(target) {
      const { officialPool } = await import('../clients/official-pool.ts')
      // The pool reads nothing from `env`; the credentials it signs with come from process.env.
      const pool = officialPool({ ...target, env: {} }, FOOTPRINT_POOL_MAX)
      return {
        first: async () => void (await pool.query('select 1')),
        point: async (value) =>
          (await pool.query<{ n: number }>('select $1::int as n', [value])).rows[0]?.n ??
          Number.NaN,
        end: () => pool.end(),
      }
    },
  },
])
