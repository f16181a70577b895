import type { ConnectRetryEvent } from 'dsql-auth'
import type { DsqlLocalCluster } from 'dsql-local'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createSql } from '../src/db.ts'
import { retryRefused } from '../src/retry-refused.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig } from './cluster-config.ts'

// DSQL accepts 100 new connections a second in bursts of 1,000. A stand-in of this file's own, with
// a bucket of 2 refilled at 10 a second, makes a cold pool of 20 run into that limit at once,
// without slowing down the stand-in the other tests share.
describe('opening connections on a stand-in that accepts 10 new connections a second, 2 at once', () => {
  let cluster: DsqlLocalCluster | undefined
  /** The stand-in's reason for each connection it refused, in order. */
  const refused: string[] = []
  beforeAll(async () => {
    if (!inject('local')) return
    const { startDsqlLocal } = await import('dsql-local')
    cluster = await startDsqlLocal({
      connectionRatePerSecond: 10,
      connectionBurst: 2,
      logger: {
        info: () => {},
        warn: (line) => {
          if (line.startsWith('refused ')) refused.push(line)
        },
        error: (line) => console.error(`dsql-local: ${line}`),
      },
    })
  })
  afterAll(() => cluster?.stop())

  // Each test ends its client with a timeout: when a query fails, Promise.all rejects while others
  // are still queued, and postgres.js 3.4.9 may then never resolve a plain `sql.end()`.

  /** The stand-in's environment and keys, so that the client signs with them. */
  function standIn(): DsqlLocalCluster {
    if (cluster === undefined) throw new Error('the stand-in did not start')
    return cluster
  }

  // First in the file: it needs one token of the bucket, which the bursts below empty.
  it.skipIf(!inject('local'))(
    'a refusal that waiting cannot heal (a role no IAM identity may log in as) fails at once, after one attempt',
    async () => {
      const { env, credentials } = standIn()
      const retries: ConnectRetryEvent[] = []
      const sql = createSql(clusterConfig({ ...env, DB_USER: 'no_such_role' }), { credentials })
      const before = refused.length
      try {
        await expect(
          retryRefused(() => sql`select 1`, { onRetry: (e) => retries.push(e) }),
        ).rejects.toMatchObject({
          code: '08006',
          message: 'unable to accept connection, access denied',
        })
        expect(retries).toEqual([])
        // The stand-in saw exactly one attempt, and refused it for the role, not for the rate.
        expect(refused.slice(before)).toHaveLength(1)
        expect(refused.at(-1)).not.toMatch(/connection rate/)
      } finally {
        await sql.end({ timeout: 5 })
      }
    },
  )

  it.skipIf(!inject('local'))(
    'serves 200 queries from a cold pool of 20: each refused query is sent again, none fails',
    async () => {
      const { env, credentials } = standIn()
      const retries: ConnectRetryEvent[] = []
      const sql = createSql(clusterConfig(env), { credentials, max: 20 })
      const before = refused.length
      try {
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            retryRefused(() => sql<{ i: number }[]>`select ${i}::int as i`, {
              onRetry: (e) => retries.push(e),
            }),
          ),
        )
        expect(results.map((rows) => rows[0]?.i)).toEqual(Array.from({ length: 200 }, (_, i) => i))
        // The burst did run into the limit, and every refusal was DSQL's rate limit, retried.
        const rateRefusals = refused.slice(before)
        expect(rateRefusals.length).toBeGreaterThan(0)
        expect(rateRefusals.every((line) => line.includes('connection rate above 10/s'))).toBe(true)
        expect(retries).toHaveLength(rateRefusals.length)
        expect(new Set(retries.map((e) => `${e.sqlState} ${e.refusal}`))).toEqual(
          new Set(['53400 rate-exceeded']),
        )
      } finally {
        await sql.end({ timeout: 5 })
      }
    },
  )

  it.skipIf(!inject('local'))(
    'runs 50 transactions from a cold pool of 20: a refused begin is begun again, each body runs once',
    async () => {
      const { env, credentials } = standIn()
      const retries: ConnectRetryEvent[] = []
      const sql = createSql(clusterConfig(env), { credentials, max: 20 })
      const before = refused.length
      const bodies = new Array<number>(50).fill(0)
      try {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            transaction(
              sql,
              async (tx) => {
                bodies[i] = (bodies[i] ?? 0) + 1
                const [row] = await tx<{ i: number }[]>`select ${i}::int as i`
                return row?.i
              },
              { connectRetry: { onRetry: (e) => retries.push(e) } },
            ),
          ),
        )
        expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i))
        expect(bodies).toEqual(new Array(50).fill(1))
        const rateRefusals = refused.slice(before)
        expect(rateRefusals.length).toBeGreaterThan(0)
        expect(retries).toHaveLength(rateRefusals.length)
      } finally {
        await sql.end({ timeout: 5 })
      }
    },
  )
})
