import { dsqlTls } from 'dsql-auth'
import pg from 'pg'
import { BenchError } from './bench-error.ts'
import type { DsqlTarget, PostgresTarget } from './bench-target.ts'

/** The ids the point select picks from. */
export type SeededIds = readonly string[]

/** The table names, shared by the workloads. */
export const BENCH_TABLES = Object.freeze({
  item: 'bench_item',
  event: 'bench_event',
  counter: 'bench_counter',
})

/**
 * One `pg.Client` for setup work (tables, seeding, checks): verified TLS, to a stand-in or cluster
 * with a freshly signed token, or to the plain PostgreSQL baseline with its password.
 */
export type SetupClientFactory = () => Promise<pg.Client>

/** A setup client factory for the plain PostgreSQL baseline. */
export function postgresSetupClient(target: PostgresTarget): SetupClientFactory {
  return async () => {
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      ssl: { ca: [target.caPem], servername: target.servername, rejectUnauthorized: true },
    })
    await client.connect()
    return client
  }
}

/** A setup client factory for a DSQL target: the target's config, TLS as the templates set it up. */
export function dsqlSetupClient(
  target: DsqlTarget,
  password: () => Promise<string>,
): SetupClientFactory {
  return async () => {
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      user: target.config.user,
      password,
      database: target.config.database,
      ...dsqlTls(target.config),
    })
    await client.connect()
    return client
  }
}

/**
 * Creates the benchmark's tables (one DDL statement per transaction, as DSQL requires) and seeds
 * `rows` items and `counters` counters; returns the items' ids. Refuses, with `TABLES_EXIST`, to
 * touch a database that already has one of them: on a real cluster they may hold someone's data,
 * or be left by a run that was killed (the message says how to drop them).
 *
 * @example
 * ```ts
 * const ids = await createBenchTables(setupClient, { rows: 1000, counters: 4 })
 * ```
 */
export async function createBenchTables(
  connect: SetupClientFactory,
  sizes: { readonly rows: number; readonly counters: number },
): Promise<SeededIds> {
  const client = await connect()
  try {
    const { rows: existing } = await client.query<{ name: string }>(
      'select table_name as name from information_schema.tables where table_name = any($1)',
      [Object.values(BENCH_TABLES)],
    )
    if (existing.length > 0) {
      const names = existing.map((row) => row.name).join(', ')
      throw new BenchError(
        'TABLES_EXIST',
        `the benchmark's tables already exist (${names}); they are left by a run that did not finish, or belong to someone else. Drop them (drop table ${names}) if they are the benchmark's, or point the run at another cluster.`,
      )
    }
    await client.query(
      `create table ${BENCH_TABLES.item} (id uuid primary key default gen_random_uuid(), label text not null)`,
    )
    await client.query(
      `create table ${BENCH_TABLES.event} (id uuid primary key default gen_random_uuid(), item uuid not null, note text not null)`,
    )
    await client.query(
      `create table ${BENCH_TABLES.counter} (id int primary key, n bigint not null)`,
    )
    const ids: string[] = []
    // DSQL takes at most 3,000 rows per transaction: seed in batches well below that.
    for (let start = 0; start < sizes.rows; start += 500) {
      const count = Math.min(500, sizes.rows - start)
      const { rows } = await client.query<{ id: string }>(
        `insert into ${BENCH_TABLES.item} (label) select 'item ' || g from generate_series($1::int, $2::int) g returning id`,
        [start + 1, start + count],
      )
      ids.push(...rows.map((row) => row.id))
    }
    await client.query(
      `insert into ${BENCH_TABLES.counter} (id, n) select g, 0 from generate_series(1, $1::int) g`,
      [sizes.counters],
    )
    return Object.freeze(ids)
  } finally {
    await client.end()
  }
}

/** Drops the benchmark's tables, those that exist (the end of a run on a real cluster leaves nothing behind). */
export async function dropBenchTables(connect: SetupClientFactory): Promise<void> {
  const client = await connect()
  try {
    await dropTables(client)
  } finally {
    await client.end()
  }
}

async function dropTables(client: pg.Client): Promise<void> {
  for (const table of Object.values(BENCH_TABLES))
    await client.query(`drop table if exists ${table}`)
}

/** Sets every counter back to 0. */
export async function resetCounters(connect: SetupClientFactory): Promise<void> {
  const client = await connect()
  try {
    await client.query(`update ${BENCH_TABLES.counter} set n = 0`)
  } finally {
    await client.end()
  }
}

/** The sum of all counters. */
export async function counterSum(connect: SetupClientFactory): Promise<number> {
  const client = await connect()
  try {
    const { rows } = await client.query<{ sum: string }>(
      `select coalesce(sum(n), 0)::text as sum from ${BENCH_TABLES.counter}`,
    )
    return Number(rows[0]?.sum ?? 0)
  } finally {
    await client.end()
  }
}
