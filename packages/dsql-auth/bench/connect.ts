/**
 * What one new connection costs, per driver: a bare client with a pre-signed token (the floor)
 * against each template's own pool, on a `dsql-local` stand-in. Each sample opens a new connection
 * and runs `select 1` (credentials, token, TCP and TLS, authentication, session setup, one query);
 * 40 samples a round, best of 2 rounds. Prints a table and writes `docs/bench/connect.json`.
 *
 * Run: `pnpm bench:connect` (from the repository root).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { loadConfig } from 'dsql-auth'
import { startDsqlLocal } from 'dsql-local'
import { Kysely, sql as kyselySql, PostgresDialect } from 'kysely'
import pg from 'pg'
import postgres from 'postgres'
import { createDb } from '../../../examples/kysely/src/db.ts'
import { createPool } from '../../../examples/pg/src/db.ts'
import { createSql } from '../../../examples/postgres-js/src/db.ts'

const SAMPLES = 40
const ROUNDS = 2
const REPOSITORY = join(import.meta.dirname, '..', '..', '..')

/** One sample: open a new connection, run `select 1`, release everything. */
type Sample = () => Promise<void>

interface Figures {
  readonly p50Ms: number
  readonly p95Ms: number
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

/** The installed version of a dependency of this package (postgres.js exports no package.json). */
async function versionOf(name: string): Promise<string> {
  const file = join(import.meta.dirname, '..', 'node_modules', name, 'package.json')
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version
}

/** Queries in flight at once, and how long each pooled round runs. */
const POOLED = Object.freeze({ inFlight: 10, roundMs: 2_000, warmUpMs: 300 })

/** `select 1`s per second through a pool kept warm, with {@link POOLED}.inFlight at once; best round. */
async function pooledThroughput(query: () => Promise<unknown>): Promise<number> {
  const run = async (ms: number) => {
    const deadline = performance.now() + ms
    let done = 0
    await Promise.all(
      Array.from({ length: POOLED.inFlight }, async () => {
        while (performance.now() < deadline) {
          await query()
          done += 1
        }
      }),
    )
    return done / (ms / 1000)
  }
  await run(POOLED.warmUpMs) // opens the pool's connections
  let best = 0
  for (let round = 0; round < ROUNDS; round++) best = Math.max(best, await run(POOLED.roundMs))
  return Math.round(best)
}

async function measure(sample: Sample): Promise<Figures> {
  await sample() // warm-up: module loading, first credential resolution
  let best: Figures | undefined
  for (let round = 0; round < ROUNDS; round++) {
    const times: number[] = []
    for (let i = 0; i < SAMPLES; i++) {
      const start = performance.now()
      await sample()
      times.push(performance.now() - start)
    }
    times.sort((a, b) => a - b)
    const figures = { p50Ms: percentile(times, 50), p95Ms: percentile(times, 95) }
    if (best === undefined || figures.p50Ms < best.p50Ms) best = figures
  }
  return best as Figures
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} }

/**
 * The official connector's pool as its README shows it (the endpoint as host, a token signed at each
 * checkout from the default credential chain), trusting the stand-in's CA, its sockets pointed at
 * the stand-in (the endpoint name does not resolve here).
 */
function officialPool(max: number): AuroraDSQLPool {
  return new AuroraDSQLPool({
    host: cluster.endpoint,
    user: 'admin',
    max,
    ssl: { ca: [cluster.caPem], servername: cluster.endpoint, rejectUnauthorized: true },
    stream: () => towardsStandIn(),
  })
}

/** A socket that connects to the stand-in whatever host and port it is asked for. */
function towardsStandIn(): net.Socket {
  const socket = new net.Socket()
  const connect = socket.connect.bind(socket) as (port: number, host: string) => net.Socket
  socket.connect = (() => connect(cluster.port, cluster.host)) as typeof socket.connect
  return socket
}
const cluster = await startDsqlLocal({ logger: quiet })
try {
  Object.assign(process.env, cluster.env)
  const config = loadConfig(process.env)
  const signer = new DsqlSigner({
    hostname: cluster.endpoint,
    region: cluster.region,
    credentials: cluster.credentials,
  })
  const token = await signer.getDbConnectAdminAuthToken()
  const bare = {
    host: cluster.host,
    port: cluster.port,
    user: 'admin',
    database: 'postgres',
    password: token,
    ssl: { ca: [cluster.caPem], servername: cluster.endpoint, rejectUnauthorized: true as const },
    sslnegotiation: 'direct' as const,
  }

  const clients: [driver: string, client: string, sample: Sample][] = [
    [
      'pg',
      'bare pg.Client',
      async () => {
        const client = new pg.Client(bare)
        await client.connect()
        try {
          await client.query('select 1')
        } finally {
          await client.end()
        }
      },
    ],
    [
      'pg',
      'template createPool',
      async () => {
        const pool = createPool(config)
        try {
          await pool.query('select 1')
        } finally {
          await pool.end()
        }
      },
    ],
    [
      'postgres.js',
      'bare postgres()',
      async () => {
        const sql = postgres({ ...bare, pass: token, max: 1 } as postgres.Options<
          Record<string, never>
        >)
        try {
          await sql`select 1`
        } finally {
          await sql.end()
        }
      },
    ],
    [
      'postgres.js',
      'template createSql',
      async () => {
        const sql = createSql(config)
        try {
          await sql`select 1`
        } finally {
          await sql.end()
        }
      },
    ],
    [
      'pg',
      'official connector AuroraDSQLPool',
      async () => {
        const pool = officialPool(1)
        try {
          await pool.query('select 1')
        } finally {
          await pool.end()
        }
      },
    ],
    [
      'kysely',
      'bare Kysely over pg.Pool',
      async () => {
        const db = new Kysely<Record<string, never>>({
          dialect: new PostgresDialect({ pool: new pg.Pool({ ...bare, max: 1 }) }),
        })
        try {
          await kyselySql`select 1`.execute(db)
        } finally {
          await db.destroy()
        }
      },
    ],
    [
      'kysely',
      'template createDb',
      async () => {
        const db = createDb(config)
        try {
          await kyselySql`select 1`.execute(db)
        } finally {
          await db.destroy()
        }
      },
    ],
  ]

  const results: { driver: string; client: string; p50Ms: number; p95Ms: number }[] = []
  for (const [driver, client, sample] of clients) {
    const figures = await measure(sample)
    results.push({
      driver,
      client,
      p50Ms: Number(figures.p50Ms.toFixed(2)),
      p95Ms: Number(figures.p95Ms.toFixed(2)),
    })
  }

  console.log(`new connection + first select 1, ${SAMPLES} samples, best of ${ROUNDS} rounds`)
  console.table(results)

  // Pooled `select 1` with the pools the programs use (max 10), and the official connector's pool.
  const pooled: { driver: string; client: string; queriesPerSecond: number }[] = []
  const pooledTargets: [
    string,
    string,
    () => { query(): Promise<unknown>; end(): Promise<void> },
  ][] = [
    [
      'pg',
      'template createPool',
      () => {
        const pool = createPool(config)
        return { query: () => pool.query('select 1'), end: () => pool.end() }
      },
    ],
    [
      'pg',
      'official connector AuroraDSQLPool',
      () => {
        const pool = officialPool(10)
        return { query: () => pool.query('select 1'), end: () => pool.end() }
      },
    ],
    [
      'postgres.js',
      'template createSql',
      () => {
        const sql = createSql(config)
        return { query: () => sql`select 1`, end: () => sql.end() }
      },
    ],
    [
      'kysely',
      'template createDb',
      () => {
        const db = createDb(config)
        return { query: () => kyselySql`select 1`.execute(db), end: () => db.destroy() }
      },
    ],
  ]
  for (const [driver, client, open] of pooledTargets) {
    const target = open()
    try {
      pooled.push({ driver, client, queriesPerSecond: await pooledThroughput(target.query) })
    } finally {
      await target.end()
    }
  }
  console.log(
    `pooled select 1, ${POOLED.inFlight} in flight, best of ${ROUNDS} rounds of ${POOLED.roundMs} ms`,
  )
  console.table(pooled)
  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs, ${os.platform()} ${os.release()}`,
    node: process.version,
    versions: {
      pg: await versionOf('pg'),
      postgres: await versionOf('postgres'),
      kysely: await versionOf('kysely'),
    },
    samples: SAMPLES,
    rounds: ROUNDS,
    officialConnector: await versionOf('@aws/aurora-dsql-node-postgres-connector'),
    results,
    pooled: { ...POOLED, results: pooled },
  }
  await mkdir(join(REPOSITORY, 'docs', 'bench'), { recursive: true })
  await writeFile(
    join(REPOSITORY, 'docs', 'bench', 'connect.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  )
} finally {
  await cluster.stop()
}
