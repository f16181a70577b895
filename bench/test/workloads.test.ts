import { createTokenProvider } from 'dsql-auth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BenchSettings } from '../src/bench-settings.ts'
import { QUICK_SETTINGS } from '../src/bench-settings.ts'
import {
  BENCH_TABLES,
  createBenchTables,
  dsqlSetupClient,
  postgresSetupClient,
  type SeededIds,
  type SetupClientFactory,
} from '../src/bench-tables.ts'
import { dsqlConnectSamplers, postgresConnectSamplers } from '../src/clients/connect-samplers.ts'
import { dsqlPooledClients, postgresPooledClients } from '../src/clients/pooled-clients.ts'
import { silentProgress } from '../src/progress.ts'
import { measureConnect } from '../src/suites/connect.ts'
import { measureConnectBreakdown } from '../src/suites/connect-breakdown.ts'
import { measureContention } from '../src/suites/contention.ts'
import { measureQueries } from '../src/suites/queries.ts'
import {
  type PostgresBaseline,
  startPostgresBaseline,
} from '../src/targets/start-postgres-baseline.ts'
import { type StandInTarget, startStandInTarget } from '../src/targets/start-stand-in-target.ts'

const tiny: BenchSettings = {
  ...QUICK_SETTINGS,
  repetitions: 2,
  connectWarmUp: 0,
  connectSamples: 2,
  concurrencies: [1, 3],
  queryWarmUpMs: 20,
  queryRunMs: 100,
  seedRows: 20,
  contention: { workers: 6, rows: 1, runMs: 300 },
}

let standIn: StandInTarget
let baseline: PostgresBaseline
let setup: SetupClientFactory
let baselineSetup: SetupClientFactory
let ids: SeededIds
let baselineIds: SeededIds
const saved = { ...process.env }

beforeAll(async () => {
  ;[standIn, baseline] = await Promise.all([startStandInTarget(0), startPostgresBaseline()])
  Object.assign(process.env, standIn.target.env)
  setup = dsqlSetupClient(standIn.target, createTokenProvider(standIn.target.config))
  baselineSetup = postgresSetupClient(baseline.target)
  const sizes = { rows: tiny.seedRows, counters: 1 }
  ids = await createBenchTables(setup, sizes)
  baselineIds = await createBenchTables(baselineSetup, sizes)
}, 60_000)

afterAll(async () => {
  process.env = saved
  await Promise.all([standIn?.stop(), baseline?.stop()])
})

async function count(connect: SetupClientFactory, note: string): Promise<number> {
  const client = await connect()
  try {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from ${BENCH_TABLES.event} where note = $1`,
      [note],
    )
    return rows[0]?.n ?? -1
  } finally {
    await client.end()
  }
}

describe('the seeded tables', () => {
  it('hold the rows asked for, with distinct ids', () => {
    expect(ids).toHaveLength(tiny.seedRows)
    expect(new Set(ids).size).toBe(tiny.seedRows)
    expect(baselineIds).toHaveLength(tiny.seedRows)
  })
})

describe('measureConnect', () => {
  it('measures every sampler of the stand-in and of the baseline, per repetition', async () => {
    const token = await createTokenProvider(standIn.target.config)()
    const samplers = [
      ...dsqlConnectSamplers(standIn.target, token),
      ...postgresConnectSamplers(baseline.target),
    ]
    const rows = await measureConnect(samplers, 0, tiny, silentProgress)
    expect(rows.map((row) => `${row.driver} ${row.client} ${row.tls}`)).toEqual([
      'pg template direct',
      'postgres.js template direct',
      'kysely template direct',
      'pg official sslrequest',
      'pg bare direct',
      'postgres.js bare direct',
      'kysely bare direct',
      'pg bare sslrequest',
      'postgres.js bare sslrequest',
      'kysely bare sslrequest',
      'pg postgres sslrequest',
      'postgres.js postgres sslrequest',
      'kysely postgres sslrequest',
    ])
    for (const row of rows) {
      expect(row.p50Ms.runs).toHaveLength(tiny.repetitions)
      expect(row.p50Ms.min).toBeGreaterThan(0)
      expect(row.p95Ms.median).toBeGreaterThanOrEqual(row.p50Ms.median)
    }
  }, 60_000)
})

describe('measureConnectBreakdown', () => {
  it('splits a new connection into its parts, which add up to its two totals', async () => {
    const breakdown = await measureConnectBreakdown(standIn.target, tiny, silentProgress)
    expect(breakdown.role).toBe('admin')
    expect(breakdown.samples).toBe(tiny.connectSamples)
    const { credentialsMs, tokenMs, cachedTokenMs, ...perConnection } = breakdown.parts
    for (const part of Object.values(breakdown.parts)) expect(part).toBeGreaterThan(0)
    const rest = Object.values(perConnection).reduce((total, part) => total + part, 0)
    expect(breakdown.totalMs).toBeCloseTo(cachedTokenMs + rest, 2)
    expect(breakdown.coldTotalMs).toBeCloseTo(credentialsMs + tokenMs + rest, 2)
    // A cached token is a lookup; signing is SigV4 with an HMAC chain.
    expect(cachedTokenMs).toBeLessThan(tokenMs)
  }, 30_000)
})

describe('the pooled clients', () => {
  const factories = () => [
    ...dsqlPooledClients(standIn.target).map((factory) => ({ factory, setup, ids })),
    ...postgresPooledClients(baseline.target).map((factory) => ({
      factory,
      setup: baselineSetup,
      ids: baselineIds,
    })),
  ]

  it('write each transaction’s row exactly once and read seeded rows, for every client', async () => {
    const seen: string[] = []
    for (const { factory, setup: connect, ids: seeded } of factories()) {
      const note = `once ${factory.driver} ${factory.client}`
      const client = factory.open(2)
      try {
        await Promise.all(
          Array.from({ length: 5 }, () => client.insertInTransaction(seeded[0] as string, note)),
        )
        await client.pointSelect(seeded[1] as string)
      } finally {
        await client.end()
      }
      expect(await count(connect, note)).toBe(5)
      seen.push(`${factory.driver} ${factory.client}`)
    }
    expect(seen).toEqual([
      'pg template',
      'pg official',
      'postgres.js template',
      'kysely template',
      'pg postgres',
      'postgres.js postgres',
      'kysely postgres',
    ])
  }, 60_000)
})

describe('measureQueries', () => {
  it('measures both workloads at each concurrency, without errors', async () => {
    const [pgTemplate] = dsqlPooledClients(standIn.target)
    if (!pgTemplate) throw new Error('no pg template client')
    const rows = await measureQueries([{ factory: pgTemplate, ids }], tiny, silentProgress)
    expect(rows.map((row) => `${row.workload} x${row.concurrency}`)).toEqual([
      'point-select x1',
      'insert-tx x1',
      'point-select x3',
      'insert-tx x3',
    ])
    for (const row of rows) {
      expect(row.errors).toBe(0)
      expect(row.opsPerSecond.runs).toHaveLength(tiny.repetitions)
      expect(row.opsPerSecond.min).toBeGreaterThan(0)
      expect(row.p99Ms.median).toBeGreaterThanOrEqual(row.p50Ms.median)
    }
  }, 60_000)
})

describe('measureContention', () => {
  it('sees conflicts on one shared row, retries them, and loses no update', async () => {
    const rows = await measureContention(
      dsqlPooledClients(standIn.target),
      setup,
      tiny,
      silentProgress,
    )
    expect(rows.map((row) => `${row.driver} ${row.client}`)).toEqual([
      'pg template',
      'pg official',
      'postgres.js template',
      'kysely template',
    ])
    for (const row of rows) {
      expect(row.commits).toBeGreaterThan(0)
      expect(row.conflicts).toBeGreaterThan(0)
      expect(row.attemptsPerCommit).toBeGreaterThan(1)
      expect(row.lostUpdates).toBe(0)
    }
  }, 60_000)

  it('fails the workload on an error that is not a conflict', async () => {
    const [pgTemplate] = dsqlPooledClients(standIn.target)
    if (!pgTemplate) throw new Error('no pg template client')
    const broken = {
      ...pgTemplate,
      open: (max: number) => {
        const client = pgTemplate.open(max)
        return { ...client, increment: () => client.pointSelect('not a uuid') }
      },
    }
    await expect(
      measureContention([broken], setup, { ...tiny, repetitions: 1 }, silentProgress),
    ).rejects.toThrow(/contention through pg template failed/)
  }, 30_000)
})
