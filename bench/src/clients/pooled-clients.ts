import { type Generated, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import postgres from 'postgres'
import type { Database } from '../../../examples/kysely/src/database.ts'
import { createDb } from '../../../examples/kysely/src/db.ts'
import { transaction as kyselyTransaction } from '../../../examples/kysely/src/transaction.ts'
import { createPool } from '../../../examples/pg/src/db.ts'
import { transaction as pgTransaction } from '../../../examples/pg/src/transaction.ts'
import { createSql } from '../../../examples/postgres-js/src/db.ts'
import { transaction as postgresTransaction } from '../../../examples/postgres-js/src/transaction.ts'
import type { ClientKind, Driver } from '../bench-results.ts'
import { BENCH_TABLES } from '../bench-tables.ts'
import type { DsqlTarget, PostgresTarget } from '../bench-target.ts'
import { officialPool } from './official-pool.ts'

/** The workloads' operations through one pool, written the way each driver's users write them. */
export interface PooledClient {
  /** `select id, label from bench_item where id = $1`. */
  pointSelect(id: string): Promise<void>
  /**
   * One insert in a transaction retried on OCC conflicts: the template's `transaction()`, or the
   * official connector's `pool.transaction()`.
   */
  insertInTransaction(item: string, note: string): Promise<void>
  /**
   * Reads a counter and writes it back plus one, in a retried transaction (read-modify-write);
   * `onAttempt` is called at the start of each attempt of the transaction's body.
   */
  increment(counter: number, onAttempt?: () => void): Promise<void>
  end(): Promise<void>
}

/** A client kind of one driver, and how to open its pool with `max` connections. */
export interface PooledClientFactory {
  readonly driver: Driver
  readonly client: Exclude<ClientKind, 'bare'>
  open(max: number): PooledClient
}

type BenchTables = {
  bench_item: { id: Generated<string>; label: string }
  bench_event: { id: Generated<string>; item: string; note: string }
  bench_counter: { id: number; n: string }
}

const { item, event, counter } = BENCH_TABLES

/** Runs `work` in a transaction retried on OCC conflicts, with a checked-out pg client. */
type PgTransaction = (work: (client: pg.PoolClient) => Promise<unknown>) => Promise<unknown>

function overPgPool(pool: pg.Pool, transaction: PgTransaction): PooledClient {
  return {
    async pointSelect(id) {
      await pool.query(`select id, label from ${item} where id = $1`, [id])
    },
    async insertInTransaction(itemId, note) {
      await transaction((client) =>
        client.query(`insert into ${event} (item, note) values ($1, $2)`, [itemId, note]),
      )
    },
    async increment(id, onAttempt) {
      await transaction(async (client) => {
        onAttempt?.()
        const { rows } = await client.query<{ n: string }>(
          `select n from ${counter} where id = $1`,
          [id],
        )
        await client.query(`update ${counter} set n = $2 where id = $1`, [
          id,
          BigInt(rows[0]?.n ?? '0') + 1n,
        ])
      })
    },
    end: () => pool.end(),
  }
}

/** The pg template's own `transaction()` (dsql-auth's `withRetry`) over `pool`. */
function templateTransaction(pool: pg.Pool): PgTransaction {
  return (work) => pgTransaction(pool, work)
}

function overPostgresJs(sql: postgres.Sql): PooledClient {
  return {
    async pointSelect(id) {
      await sql`select id, label from ${sql(item)} where id = ${id}`
    },
    async insertInTransaction(itemId, note) {
      await postgresTransaction(
        sql,
        (tx) => tx`insert into ${tx(event)} (item, note) values (${itemId}, ${note})`,
      )
    },
    async increment(id, onAttempt) {
      await postgresTransaction(sql, async (tx) => {
        onAttempt?.()
        const [row] = await tx<{ n: string }[]>`select n from ${tx(counter)} where id = ${id}`
        const next = (BigInt(row?.n ?? '0') + 1n).toString()
        await tx`update ${tx(counter)} set n = ${next} where id = ${id}`
      })
    },
    end: () => sql.end(),
  }
}

function overKysely(base: Kysely<Database>): PooledClient {
  const db = base.withTables<BenchTables>()
  return {
    async pointSelect(id) {
      await db.selectFrom('bench_item').select(['id', 'label']).where('id', '=', id).execute()
    },
    async insertInTransaction(itemId, note) {
      await kyselyTransaction(base, (trx) =>
        trx
          .withTables<BenchTables>()
          .insertInto('bench_event')
          .values({ item: itemId, note })
          .execute(),
      )
    },
    async increment(id, onAttempt) {
      await kyselyTransaction(base, async (trx) => {
        onAttempt?.()
        const tables = trx.withTables<BenchTables>()
        const row = await tables
          .selectFrom('bench_counter')
          .select('n')
          .where('id', '=', id)
          .executeTakeFirst()
        const next = (BigInt(row?.n ?? '0') + 1n).toString()
        await tables.updateTable('bench_counter').set({ n: next }).where('id', '=', id).execute()
      })
    },
    end: () => base.destroy(),
  }
}

/**
 * The pooled clients of a DSQL target: each template's own `db.ts` and `transaction.ts`, and the
 * official connector's `AuroraDSQLPool` with its own `pool.transaction()` (OCC retry included), as
 * its README shows it.
 *
 * @example
 * ```ts
 * const client = dsqlPooledClients(target)[0].open(10)
 * try { await client.pointSelect(id) } finally { await client.end() }
 * ```
 */
export function dsqlPooledClients(target: DsqlTarget): PooledClientFactory[] {
  const { config } = target
  return [
    {
      driver: 'pg',
      client: 'template',
      open: (max) => {
        const pool = createPool(config, { max })
        return overPgPool(pool, templateTransaction(pool))
      },
    },
    {
      driver: 'pg',
      client: 'official',
      open: (max) => {
        const pool = officialPool(target, max)
        // The connector's own transaction helper, with its own OCC retry: what its users call.
        return overPgPool(pool, (work) => pool.transaction(work))
      },
    },
    {
      driver: 'postgres.js',
      client: 'template',
      open: (max) => overPostgresJs(createSql(config, { max })),
    },
    { driver: 'kysely', client: 'template', open: (max) => overKysely(createDb(config, { max })) },
  ]
}

/** Each driver straight to the plain PostgreSQL baseline with its password, same operations. */
export function postgresPooledClients(target: PostgresTarget): PooledClientFactory[] {
  const base = {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: { ca: [target.caPem], servername: target.servername, rejectUnauthorized: true as const },
  }
  return [
    {
      driver: 'pg',
      client: 'postgres',
      open: (max) => {
        const pool = new pg.Pool({ ...base, max })
        return overPgPool(pool, templateTransaction(pool))
      },
    },
    {
      driver: 'postgres.js',
      client: 'postgres',
      open: (max) =>
        overPostgresJs(postgres({ ...base, ssl: { ...base.ssl }, max, onnotice: () => {} })),
    },
    {
      driver: 'kysely',
      client: 'postgres',
      open: (max) =>
        overKysely(
          new Kysely<Database>({
            dialect: new PostgresDialect({ pool: new pg.Pool({ ...base, max }) }),
          }),
        ),
    },
  ]
}
