import { createSecureContext, type SecureContext } from 'node:tls'
import { dsqlTls } from 'dsql-auth'
import { Kysely, sql as kyselySql, PostgresDialect } from 'kysely'
import pg from 'pg'
import postgres from 'postgres'
import { createDb } from '../../../examples/kysely/src/db.ts'
import { createPool } from '../../../examples/pg/src/db.ts'
import { createSql } from '../../../examples/postgres-js/src/db.ts'
import type { ClientKind, Driver, TlsMode } from '../bench-results.ts'
import type { DsqlTarget, PostgresTarget } from '../bench-target.ts'
import { officialPool } from './official-pool.ts'

/**
 * One way to open a connection: each `sample()` opens a new one, runs `select 1`, and resolves to
 * the milliseconds from the start (pool construction included) to that first result. Closing the
 * connection happens after the clock stops, before the promise settles.
 */
export interface ConnectSampler {
  readonly driver: Driver
  readonly client: ClientKind
  readonly tls: TlsMode
  sample(): Promise<number>
}

/** The TLS options a bare driver gets: verified, with one TLS context shared by all connections. */
type SharedTls = {
  readonly rejectUnauthorized: true
  readonly servername?: string
  readonly secureContext: SecureContext
}

/** What a bare driver needs: where to connect, who it is, a token or password, and TLS. */
interface Endpoint {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
  readonly password: string
  readonly ssl: SharedTls
}

type PostgresOptions = postgres.Options<Record<string, never>> & {
  readonly sslnegotiation?: 'direct' | 'postgres'
}

/** The three drivers alone, with the given TLS start. */
function bareSamplers(endpoint: Endpoint, tls: TlsMode, client: ClientKind): ConnectSampler[] {
  const sslnegotiation = tls === 'direct' ? ('direct' as const) : ('postgres' as const)
  const pgConfig = { ...endpoint, sslnegotiation }
  return [
    sampler('pg', client, tls, () => {
      const connection = new pg.Client(pgConfig)
      return {
        first: async () => {
          await connection.connect()
          await connection.query('select 1')
        },
        end: () => connection.end(),
      }
    }),
    sampler('postgres.js', client, tls, () => {
      const options: PostgresOptions = {
        ...endpoint,
        ssl: { ...endpoint.ssl },
        sslnegotiation,
        max: 1,
      }
      const sql = postgres(options)
      return { first: () => sql`select 1`, end: () => sql.end() }
    }),
    sampler('kysely', client, tls, () => {
      const db = new Kysely<Record<string, never>>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ ...pgConfig, max: 1 }) }),
      })
      return { first: () => kyselySql`select 1`.execute(db), end: () => db.destroy() }
    }),
  ]
}

/**
 * A sampler that builds a client (a pool, or one connection), runs `select 1` through it (the timed
 * part), and ends it untimed, also when the query failed.
 */
function sampler(
  driver: Driver,
  client: ClientKind,
  tls: TlsMode,
  open: () => { first(): Promise<unknown>; end(): Promise<void> },
): ConnectSampler {
  return {
    driver,
    client,
    tls,
    sample: async () => {
      const start = performance.now()
      const opened = open()
      try {
        await opened.first()
      } catch (error) {
        await opened.end().catch(() => {}) // the query's error is the one to report
        throw error
      }
      const elapsed = performance.now() - start
      await opened.end()
      return elapsed
    },
  }
}

/**
 * The connect samplers of a DSQL target: each template's own `db.ts` (a new pool per sample, so
 * each sample also resolves credentials and signs a token, as a program's first connection does),
 * the official connector (pg only), and each driver bare with `token` signed beforehand and the
 * templates' shared TLS context, with direct TLS and with `SSLRequest`.
 *
 * @example
 * ```ts
 * for (const sampler of dsqlConnectSamplers(target, token)) await sampler.sample()
 * ```
 */
export function dsqlConnectSamplers(target: DsqlTarget, token: string): ConnectSampler[] {
  const { config } = target
  const endpoint: Endpoint = {
    host: target.host,
    port: target.port,
    user: config.user,
    database: config.database,
    password: token,
    ssl: dsqlTls(config).ssl,
  }
  return [
    sampler('pg', 'template', 'direct', () => {
      const pool = createPool(config, { max: 1 })
      return { first: () => pool.query('select 1'), end: () => pool.end() }
    }),
    sampler('postgres.js', 'template', 'direct', () => {
      const sql = createSql(config, { max: 1 })
      return { first: () => sql`select 1`, end: () => sql.end() }
    }),
    sampler('kysely', 'template', 'direct', () => {
      const db = createDb(config, { max: 1 })
      return { first: () => kyselySql`select 1`.execute(db), end: () => db.destroy() }
    }),
    sampler('pg', 'official', 'sslrequest', () => {
      const pool = officialPool(target, 1)
      return { first: () => pool.query('select 1'), end: () => pool.end() }
    }),
    ...bareSamplers(endpoint, 'direct', 'bare'),
    ...bareSamplers(endpoint, 'sslrequest', 'bare'),
  ]
}

/**
 * Each driver straight to the plain PostgreSQL baseline with its password and one shared TLS
 * context (PostgreSQL 16 has no direct TLS, so `SSLRequest`).
 */
export function postgresConnectSamplers(target: PostgresTarget): ConnectSampler[] {
  return bareSamplers(
    {
      host: target.host,
      port: target.port,
      user: target.user,
      database: target.database,
      password: target.password,
      ssl: {
        rejectUnauthorized: true,
        servername: target.servername,
        secureContext: createSecureContext({ ca: [target.caPem] }),
      },
    },
    'sslrequest',
    'postgres',
  )
}
