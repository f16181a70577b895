import type { DsqlLocalCluster } from 'dsql-local'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { QUICK_SETTINGS } from '../src/bench-settings.ts'
import type { DsqlTarget } from '../src/bench-target.ts'
import { silentProgress } from '../src/progress.ts'
import { measureToken } from '../src/suites/token.ts'
import { withEnv } from '../src/suites/token-env.ts'
import { TOKEN_METHODS, tokenMethods } from '../src/suites/token-methods.ts'
import { startInProcessTarget } from './in-process-target.ts'

const settings = { ...QUICK_SETTINGS, repetitions: 2, tokenSamples: 100 }

let cluster: DsqlLocalCluster
let target: DsqlTarget

beforeAll(async () => {
  ;({ cluster, target } = await startInProcessTarget())
})

afterAll(async () => {
  await cluster?.stop()
})

describe('measureToken', () => {
  test('times the three methods: a cached token is cheaper than signing one', async () => {
    const rows = await measureToken(target, settings, silentProgress, 5)
    expect(rows.map((row) => row.method)).toEqual(['cached', 'signed', 'new-chain'])
    for (const row of rows) {
      expect(row.p50Us.runs).toHaveLength(settings.repetitions)
      expect(row.p50Us.median).toBeGreaterThan(0)
      expect(row.p99Us.median).toBeGreaterThanOrEqual(row.p50Us.median)
      // The p50 in ms over the connect p50 of 5 ms, in percent, to three significant digits.
      const share = (row.p50Us.median / 1000 / 5) * 100
      expect(row.shareOfConnectPercent).toBe(Number(share.toPrecision(3)))
    }
    const [cached, signed, newChain] = rows.map((row) => row.p50Us.median)
    expect(signed).toBeGreaterThan(cached ?? Number.POSITIVE_INFINITY)
    expect(newChain).toBeGreaterThan(cached ?? Number.POSITIVE_INFINITY)
  })

  test('puts process.env back as it was', async () => {
    const before = Object.fromEntries(Object.keys(target.env).map((key) => [key, process.env[key]]))
    await measureToken(target, { ...settings, repetitions: 1, tokenSamples: 5 }, silentProgress, 5)
    for (const [key, value] of Object.entries(before)) expect(process.env[key]).toBe(value)
  })

  test('the share is NaN when the connect p50 is unknown', async () => {
    const rows = await measureToken(
      target,
      { ...settings, repetitions: 1, tokenSamples: 5 },
      silentProgress,
      Number.NaN,
    )
    for (const row of rows) expect(row.shareOfConnectPercent).toBeNaN()
  })
})

describe('tokenMethods', () => {
  test('each method gives a token the stand-in accepts', async () => {
    const methods = await withEnv(target.env, () => tokenMethods(target))
    try {
      for (const method of TOKEN_METHODS) {
        const password = await withEnv(target.env, () => methods.acquire[method]())
        const client = new pg.Client({
          host: target.host,
          port: target.port,
          user: target.config.user,
          database: target.config.database,
          password,
          ssl: { ca: [cluster.caPem], servername: target.endpoint, rejectUnauthorized: true },
        })
        await client.connect()
        try {
          const { rows } = await client.query<{ n: number }>('select 1 as n')
          expect(rows, method).toEqual([{ n: 1 }])
        } finally {
          await client.end()
        }
      }
    } finally {
      methods.close()
    }
  })
})
