import type { BarCheck, ConnectResult, QueryResult, Spread, TokenResult } from './bench-results.ts'

/** The measured rows the bars are judged on. */
export interface BarInputs {
  readonly connect: readonly ConnectResult[]
  readonly token: readonly TokenResult[]
  readonly queries: readonly QueryResult[]
}

const percent = (value: number) =>
  value > 0 && value < 0.01 ? `${value.toPrecision(1)}%` : `${value.toFixed(value < 10 ? 2 : 1)}%`
const ms = (value: number) => `${value.toFixed(2)} ms`

/** `a` at most `b`, unless `a`'s median lies within `b`'s observed range (measurement noise). */
const notSlower = (a: Spread, b: Spread) => a.median <= b.max

/**
 * Judges the issue's performance bars from one run's figures:
 * - `auth-share`: the cached token costs under 1% of the pg template's connect p50 at 0 ms;
 * - `pg-vs-official-connect`: the pg template's connect p50 is no higher than the official
 *   connector's at every latency (its median within the connector's range counts as a tie);
 * - `pg-vs-official-pooled`: the pg template's pooled throughput is no lower than the connector's,
 *   for every workload and concurrency;
 * - `direct-tls`: at the highest emulated latency, direct TLS saves at least 80% of one round trip
 *   against `SSLRequest`, for pg and for postgres.js (bare drivers, same token).
 * A bar whose rows were not measured (e.g. a real-cluster run has no emulated latency) is left out.
 *
 * @example
 * ```ts
 * const failed = barChecks(run).filter((check) => !check.passed)
 * ```
 */
export function barChecks(inputs: BarInputs): BarCheck[] {
  const checks: BarCheck[] = []
  const connect = (driver: string, client: string, tls: string, latencyMs: number) =>
    inputs.connect.find(
      (row) =>
        row.driver === driver &&
        row.client === client &&
        row.tls === tls &&
        row.latencyMs === latencyMs,
    )
  const cached = inputs.token.find((row) => row.method === 'cached')
  const pgAtZero = connect('pg', 'template', 'direct', 0)
  if (cached && pgAtZero) {
    const share = (cached.p50Us.median / 1000 / pgAtZero.p50Ms.median) * 100
    checks.push({
      id: 'auth-share',
      passed: share < 1,
      detail: `a cached token costs ${cached.p50Us.median} µs p50, ${percent(share)} of the pg template's ${ms(pgAtZero.p50Ms.median)} connect at 0 ms (bar: under 1%)`,
    })
  }
  const latencies = [...new Set(inputs.connect.map((row) => row.latencyMs))].sort((a, b) => a - b)
  const connectParts: string[] = []
  let connectPassed = true
  for (const latencyMs of latencies) {
    const ours = connect('pg', 'template', 'direct', latencyMs)
    const theirs = connect('pg', 'official', 'sslrequest', latencyMs)
    if (!ours || !theirs) continue
    const faster = (1 - ours.p50Ms.median / theirs.p50Ms.median) * 100
    connectPassed &&= notSlower(ours.p50Ms, theirs.p50Ms)
    connectParts.push(
      `at ${latencyMs} ms ${ms(ours.p50Ms.median)} against ${ms(theirs.p50Ms.median)} (${faster >= 0 ? `${percent(faster)} faster` : `${percent(-faster)} slower`})`,
    )
  }
  if (connectParts.length > 0) {
    checks.push({
      id: 'pg-vs-official-connect',
      passed: connectPassed,
      detail: `pg template connect p50 ${connectParts.join('; ')}`,
    })
  }
  const pooledParts: string[] = []
  let pooledPassed = true
  for (const ours of inputs.queries) {
    if (ours.driver !== 'pg' || ours.client !== 'template') continue
    const theirs = inputs.queries.find(
      (row) =>
        row.client === 'official' &&
        row.workload === ours.workload &&
        row.concurrency === ours.concurrency,
    )
    if (!theirs) continue
    pooledPassed &&= ours.opsPerSecond.median >= theirs.opsPerSecond.min
    pooledParts.push(
      `${ours.workload} x${ours.concurrency} ${(ours.opsPerSecond.median / theirs.opsPerSecond.median).toFixed(2)}x`,
    )
  }
  if (pooledParts.length > 0) {
    checks.push({
      id: 'pg-vs-official-pooled',
      passed: pooledPassed,
      detail: `pg template throughput against the official connector: ${pooledParts.join(', ')}`,
    })
  }
  const highest = latencies.at(-1)
  if (highest !== undefined && highest > 0) {
    const parts: string[] = []
    let passed = true
    for (const driver of ['pg', 'postgres.js']) {
      const direct = connect(driver, 'bare', 'direct', highest)
      const request = connect(driver, 'bare', 'sslrequest', highest)
      if (!direct || !request) continue
      const saved = request.p50Ms.median - direct.p50Ms.median
      passed &&= saved >= 0.8 * highest
      parts.push(
        `${driver} saves ${ms(saved)} (${ms(request.p50Ms.median)} → ${ms(direct.p50Ms.median)})`,
      )
    }
    if (parts.length > 0) {
      checks.push({
        id: 'direct-tls',
        passed,
        detail: `at a ${highest} ms round trip, direct TLS against SSLRequest: ${parts.join('; ')} (bar: at least 80% of one round trip)`,
      })
    }
  }
  return checks
}
