import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { startDsqlLocal } from 'dsql-local'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BenchError } from '../src/bench-error.ts'
import type { BenchRun } from '../src/bench-results.ts'
import { type BenchSettings, QUICK_SETTINGS } from '../src/bench-settings.ts'
import { silentProgress } from '../src/progress.ts'
import { runBench } from '../src/run-bench.ts'

const micro: BenchSettings = {
  ...QUICK_SETTINGS,
  connectWarmUp: 0,
  connectSamples: 2,
  tokenSamples: 20,
  concurrencies: [2],
  queryWarmUpMs: 20,
  queryRunMs: 80,
  seedRows: 10,
  contention: { workers: 4, rows: 2, runMs: 150 },
  footprintQueries: 20,
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} }
let cluster: Awaited<ReturnType<typeof startDsqlLocal>>
let run: BenchRun
const progress: string[] = []
const saved = { ...process.env }

// The cluster path (`CLUSTER_ENDPOINT` set), pointed at a stand-in through the same variables a
// real cluster takes (DB_HOST, DB_PORT, DB_SSL_ROOT_CERT): every workload, no baseline.
beforeAll(async () => {
  cluster = await startDsqlLocal({ logger: quiet })
  run = await runBench({
    quick: true,
    env: { ...process.env, ...cluster.env },
    settings: micro,
    progress: {
      step: (workload, index, total, what) =>
        progress.push(`${workload} ${index}/${total} ${what}`),
      note: (message) => progress.push(message),
    },
  })
}, 120_000)

/** A verified admin connection to the stand-in, with a freshly signed token. */
async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    user: 'admin',
    database: 'postgres',
    password: await new DsqlSigner({
      hostname: cluster.endpoint,
      region: cluster.region,
      credentials: cluster.credentials,
    }).getDbConnectAdminAuthToken(),
    ssl: { ca: [cluster.caPem], servername: cluster.endpoint, rejectUnauthorized: true },
  })
  await client.connect()
  return client
}

afterAll(async () => {
  process.env = saved
  await cluster?.stop()
})

describe('runBench against a cluster named by CLUSTER_ENDPOINT', () => {
  it('records the target, the settings and the versions', () => {
    expect(run.schema).toBe(1)
    expect(run.target).toBe('cluster')
    expect(run.settings).toEqual(micro)
    expect(run.versions.pg).toMatch(/^\d+\.\d+\.\d+/)
    expect(run.versions['@aws/aurora-dsql-node-postgres-connector']).toBe('0.1.9')
    expect(run.machine.cpus).toBeGreaterThan(0)
  })

  it('connects every client at the real network’s latency only, with no plain-PostgreSQL baseline', () => {
    expect(run.connect.length).toBe(10)
    expect(new Set(run.connect.map((row) => row.latencyMs))).toEqual(new Set([0]))
    expect(run.connect.some((row) => row.client === 'postgres')).toBe(false)
    expect(run.connectBreakdown.map((row) => row.role)).toEqual(['admin'])
  })

  it('runs every workload through the templates and the official connector', () => {
    expect(run.queries.map((row) => `${row.driver} ${row.client} ${row.workload}`)).toEqual([
      'pg template point-select',
      'pg template insert-tx',
      'pg official point-select',
      'pg official insert-tx',
      'postgres.js template point-select',
      'postgres.js template insert-tx',
      'kysely template point-select',
      'kysely template insert-tx',
    ])
    for (const row of run.queries) expect(row.errors).toBe(0)
    expect(run.token.map((row) => row.method).sort()).toEqual(['cached', 'new-chain', 'signed'])
    for (const row of run.contention) expect(row.lostUpdates).toBe(0)
    expect(run.footprint).toHaveLength(4)
    expect(run.features.map((row) => row.driver)).toEqual(['pg', 'postgres.js', 'kysely'])
  })

  it('judges the bars it has rows for (no emulated latency: no direct TLS bar)', () => {
    expect(run.checks.map((check) => check.id).sort()).toEqual([
      'auth-share',
      'pg-vs-official-connect',
      'pg-vs-official-pooled',
    ])
  })

  it('reports progress for each workload', () => {
    for (const workload of ['connect 0 ms', 'breakdown 0 ms', 'queries', 'contention']) {
      expect(
        progress.some((line) => line.startsWith(workload)),
        workload,
      ).toBe(true)
    }
  })

  it('drops its tables from the cluster at the end', async () => {
    const client = await adminClient()
    try {
      const { rows } = await client.query(
        "select tablename from pg_tables where tablename like 'bench\\_%'",
      )
      expect(rows).toEqual([])
    } finally {
      await client.end()
    }
  })
})

describe('runBench refuses what it must not do on a cluster', () => {
  it('runs as admin only, since it creates and drops tables', async () => {
    const error = await runBench({
      quick: true,
      env: { ...process.env, ...cluster.env, DB_USER: 'someone' },
      settings: micro,
      progress: silentProgress,
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BenchError)
    expect((error as BenchError).code).toBe('NOT_ADMIN')
    expect((error as Error).message).toMatch(/not as someone: unset DB_USER or set it to admin/)
  })

  it('leaves tables it did not create alone, and says what to do', async () => {
    const client = await adminClient()
    try {
      await client.query('create table bench_counter (id int primary key, note text)')
      await client.query("insert into bench_counter values (1, 'not the benchmark''s')")
    } finally {
      await client.end()
    }
    const error = await runBench({
      quick: true,
      env: { ...process.env, ...cluster.env },
      settings: micro,
      progress: silentProgress,
    }).catch((caught: unknown) => caught)
    expect((error as BenchError).code).toBe('TABLES_EXIST')
    expect((error as Error).message).toMatch(
      /already exist \(bench_counter\).*drop table bench_counter/,
    )
    const after = await adminClient()
    try {
      const { rows } = await after.query('select note from bench_counter')
      expect(rows).toEqual([{ note: "not the benchmark's" }])
      await after.query('drop table bench_counter')
    } finally {
      await after.end()
    }
  }, 120_000)
})
