import { describe, expect, it } from 'vitest'
import { barChecks } from '../src/bar-checks.ts'
import type { ConnectBreakdown, ConnectResult, QueryResult } from '../src/bench-results.ts'
import { spread } from '../src/stats.ts'

const connectRow = (
  driver: ConnectResult['driver'],
  client: ConnectResult['client'],
  tls: ConnectResult['tls'],
  latencyMs: number,
  p50s: number[],
): ConnectResult => ({
  driver,
  client,
  tls,
  latencyMs,
  samples: 10,
  p50Ms: spread(p50s),
  p95Ms: spread(p50s.map((value) => value + 1)),
})

const queryRow = (client: QueryResult['client'], rates: number[]): QueryResult => ({
  driver: 'pg',
  client,
  workload: 'point-select',
  concurrency: 10,
  opsPerSecond: spread(rates, 0),
  p50Ms: spread([1]),
  p99Ms: spread([2]),
  errors: 0,
})

/** A breakdown at 0 ms for admin whose cached-token part is `cachedTokenMs` of a 5 ms connection. */
const breakdown = (cachedTokenMs: number): ConnectBreakdown => ({
  latencyMs: 0,
  role: 'admin',
  samples: 10,
  parts: {
    credentialsMs: 0.07,
    tokenMs: 0.21,
    cachedTokenMs,
    tcpMs: 0.2,
    tlsMs: 1.9,
    authMs: 2.4,
    sessionMs: 0.01,
    firstQueryMs: 0.49 - cachedTokenMs,
  },
  totalMs: 5,
  coldTotalMs: 5.28 - cachedTokenMs,
})

const connect = [
  connectRow('pg', 'template', 'direct', 0, [5.0, 5.1, 5.2]),
  connectRow('pg', 'official', 'sslrequest', 0, [5.05, 5.0, 5.3]),
  connectRow('pg', 'template', 'direct', 5, [20, 21, 22]),
  connectRow('pg', 'official', 'sslrequest', 5, [27, 28, 29]),
  connectRow('pg', 'bare', 'direct', 5, [20, 20, 20]),
  connectRow('pg', 'bare', 'sslrequest', 5, [25.5, 25, 26]),
  connectRow('postgres.js', 'bare', 'direct', 5, [30, 30, 30]),
  connectRow('postgres.js', 'bare', 'sslrequest', 5, [35.2, 35, 35]),
]

const byId = (checks: ReturnType<typeof barChecks>) =>
  Object.fromEntries(checks.map((check) => [check.id, check]))

describe('barChecks', () => {
  it('passes every bar on figures that meet them, and says by how much', () => {
    const checks = byId(
      barChecks({
        connect,
        connectBreakdown: [breakdown(0.003)],
        queries: [queryRow('template', [17_000, 17_500]), queryRow('official', [5_000, 5_200])],
      }),
    )
    expect(Object.keys(checks).sort()).toEqual([
      'auth-share',
      'direct-tls',
      'pg-vs-official-connect',
      'pg-vs-official-pooled',
    ])
    for (const check of Object.values(checks)) expect(check.passed, check.detail).toBe(true)
    expect(checks['auth-share']?.detail).toContain('0.003 ms, 0.06% of the connection')
    expect(checks['pg-vs-official-connect']?.detail).toContain(
      'at 5 ms 21.00 ms against 28.00 ms (25.0% faster)',
    )
    expect(checks['pg-vs-official-pooled']?.detail).toContain('point-select x10 3.38x')
    expect(checks['direct-tls']?.detail).toContain('pg saves 5.50 ms')
  })

  it('counts a median within the connector’s observed range as a tie, and a slower one as a miss', () => {
    const tie = byId(barChecks({ connect, connectBreakdown: [], queries: [] }))
    expect(tie['pg-vs-official-connect']?.passed).toBe(true)
    const slower = [
      connectRow('pg', 'template', 'direct', 0, [5.5, 5.6, 5.7]),
      connectRow('pg', 'official', 'sslrequest', 0, [5.0, 5.1, 5.2]),
    ]
    const missed = byId(barChecks({ connect: slower, connectBreakdown: [], queries: [] }))
    expect(missed['pg-vs-official-connect']?.passed).toBe(false)
    expect(missed['pg-vs-official-connect']?.detail).toContain('slower')
  })

  it('misses the auth bar at 1.2% and the direct TLS bar below 80% of a round trip', () => {
    const checks = byId(
      barChecks({
        connect: [
          connectRow('pg', 'template', 'direct', 0, [5]),
          connectRow('pg', 'bare', 'direct', 5, [20]),
          connectRow('pg', 'bare', 'sslrequest', 5, [23.9]),
        ],
        connectBreakdown: [breakdown(0.06)],
        queries: [queryRow('template', [4_000]), queryRow('official', [5_000])],
      }),
    )
    expect(checks['auth-share']?.passed).toBe(false)
    expect(checks['direct-tls']?.passed).toBe(false)
    expect(checks['pg-vs-official-pooled']?.passed).toBe(false)
  })

  it('misses the direct TLS bar when the saving is far more than one round trip', () => {
    const checks = byId(
      barChecks({
        connect: [
          connectRow('pg', 'bare', 'direct', 5, [20]),
          connectRow('pg', 'bare', 'sslrequest', 5, [28]),
        ],
        connectBreakdown: [],
        queries: [],
      }),
    )
    expect(checks['direct-tls']?.passed).toBe(false)
    expect(checks['direct-tls']?.detail).toContain('pg saves 8.00 ms')
  })

  it('judges the postgres.js template against the bare driver at the highest latency', () => {
    const judged = (templateP50: number) =>
      byId(
        barChecks({
          connect: [
            connectRow('postgres.js', 'template', 'direct', 5, [templateP50]),
            connectRow('postgres.js', 'bare', 'direct', 5, [44]),
          ],
          connectBreakdown: [],
          queries: [],
        }),
      )['postgres-js-nodelay']
    expect(judged(39)?.passed).toBe(true)
    expect(judged(39)?.detail).toContain(
      "39.00 ms against the bare driver's 44.00 ms: 5.00 ms less",
    )
    expect(judged(42)?.passed).toBe(false)
  })

  it('leaves out the bars whose rows were not measured', () => {
    expect(barChecks({ connect: [], connectBreakdown: [], queries: [] })).toEqual([])
    const atZeroOnly = barChecks({
      connect: connect.slice(0, 2),
      connectBreakdown: [],
      queries: [],
    })
    expect(atZeroOnly.map((check) => check.id)).toEqual(['pg-vs-official-connect'])
  })
})
