import { Kysely, sql as kyselySql, PostgresDialect } from 'kysely'
import pg from 'pg'
import postgres from 'postgres'
import { createDb } from '../../../examples/kysely/src/db.ts'
import { createPool } from '../../../examples/pg/src/db.ts'
import { createSql } from '../../../examples/postgres-js/src/db.ts'
import type { ClientKind, Driver, TlsMode } from '../bench-results.ts'
import type { DsqlTarget, PostgresTarget } from '../bench-target.ts'
import { officialPool } from './official-pool.ts'

/** One way to open a connection: each `sample()` opens a new one, runs `select 1`, closes it. */
export interface ConnectSampler {
  readonly driver: Driver
  readonly client: ClientKind
  readonly tls: TlsMode
  sample(): Promise<void>
}

/** What a bare driver needs: where to connect, who it is, and a token or password. */
interface Endpoint {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
  readonly password: string
  readonly ssl: {
    readonly ca?: string[]
    readonly servername: string
    readonly rejectUnauthorized: true
  }
}

type PostgresOptions = postgres.Options<Record<string, never>> & {
  readonly sslnegotiation?: 'direct' | 'postgres'
}

/** The three drivers alone, with the given TLS start. */
function bareSamplers(endpoint: Endpoint, tls: TlsMode, client: ClientKind): ConnectSampler[] {
  const sslnegotiation = tls === 'direct' ? ('direct' as const) : ('postgres' as const)
  const pgConfig = { ...endpoint, ssl: { ...endpoint.ssl }, sslnegotiation }
  return [
    {
      driver: 'pg',
      client,
      tls,
      async sample() {
        const connection = new pg.Client(pgConfig)
        await connection.connect()
        try {
          await connection.query('select 1')
        } finally {
          await connection.end()
        }
      },
    },
    {
      driver: 'postgres.js',
      client,
      tls,
      async sample() {
        const options: PostgresOptions = {
          ...endpoint,
          ssl: { ...endpoint.ssl },
          sslnegotiation,
          max: 1,
        }
        const sql = postgres(options)
        try {
          await sql`select 1`
        } finally {
          await sql.end()
        }
      },
    },
    {
      driver: 'kysely',
      client,
      tls,
      async sample() {
        const db = new Kysely<Record<string, never>>({
          dialect: new PostgresDialect({ pool: new pg.Pool({ ...pgConfig, max: 1 }) }),
        })
        try {
          await kyselySql`select 1`.execute(db)
        } finally {
          await db.destroy()
        }
      },
    },
  ]
}

/**
 * The connect samplers of a DSQL target: each template's own `db.ts` (a new pool per sample, so
 * each sample resolves credentials and signs a token), the official connector (pg only), and each
 * driver bare with `token` signed beforehand, with direct TLS and with `SSLRequest`.
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
    ssl: {
      ...(target.caPem === undefined ? {} : { ca: [target.caPem] }),
      servername: target.endpoint,
      rejectUnauthorized: true,
    },
  }
  return [
    {
      driver: 'pg',
      client: 'template',
      tls: 'direct',
      async sample() {
        const pool = createPool(config, { max: 1 })
        try {
          await pool.query('select 1')
        } finally {
          await pool.end()
        }
      },
    },
    {
      driver: 'postgres.js',
      client: 'template',
      tls: 'direct',
      async sample() {
        const sql = createSql(config, { max: 1 })
        try {
          await sql`select 1`
        } finally {
          await sql.end()
        }
      },
    },
    {
      driver: 'kysely',
      client: 'template',
      tls: 'direct',
      async sample() {
        const db = createDb(config, { max: 1 })
        try {
          await kyselySql`select 1`.execute(db)
        } finally {
          await db.destroy()
        }
      },
    },
    {
      driver: 'pg',
      client: 'official',
      tls: 'sslrequest',
      async sample() {
        const pool = officialPool(target, 1)
        try {
          await pool.query('select 1')
        } finally {
          await pool.end()
        }
      },
    },
    ...bareSamplers(endpoint, 'direct', 'bare'),
    ...bareSamplers(endpoint, 'sslrequest', 'bare'),
  ]
}

/**
 * Each driver straight to the plain PostgreSQL baseline with its password (PostgreSQL 16 has no
 * direct TLS, so `SSLRequest`).
 */
export function postgresConnectSamplers(target: PostgresTarget): ConnectSampler[] {
  return bareSamplers(
    {
      host: target.host,
      port: target.port,
      user: target.user,
      database: target.database,
      password: target.password,
      ssl: { ca: [target.caPem], servername: target.servername, rejectUnauthorized: true },
    },
    'sslrequest',
    'postgres',
  )
}
