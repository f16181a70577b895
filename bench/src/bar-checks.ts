import type {
  BarCheck,
  ConnectBreakdown,
  ConnectResult,
  QueryResult,
  Spread,
} from './bench-results.ts'

/** The measured rows the bars are judged on. */
export interface BarInputs {
  readonly connect: readonly ConnectResult[]
  readonly connectBreakdown: readonly ConnectBreakdown[]
  readonly queries: readonly QueryResult[]
}

const percent = (value: number) =>
  value > 0 && value < 0.01 ? `${value.toPrecision(1)}%` : `${value.toFixed(value < 10 ? 2 : 1)}%`
const ms = (value: number, digits = 2) => `${value.toFixed(digits)} ms`

/** `a` at most `b`, unless `a`'s median lies within `b`'s observed range (measurement noise). */
const notSlower = (a: Spread, b: Spread) => a.median <= b.max

/**
 * Judges the issue's performance bars from one run's figures:
 * - `auth-share`: inside a new connection at 0 ms (the connect breakdown, admin), the template's
 *   provider with its token cached and its credentials memoized takes under 1% of the connection;
 * - `pg-vs-official-connect`: the pg template's connect p50 is no higher than the official
 *   connector's at every latency (its median within the connector's range counts as a tie);
 * - `pg-vs-official-pooled`: the pg template's pooled throughput is no lower than the connector's,
 *   for every workload and concurrency;
 * - `direct-tls`: at the highest emulated latency, direct TLS saves one round trip (80% to 150% of it)
 *   against `SSLRequest`, for pg and for postgres.js (bare drivers, same token).
 * - `postgres-js-nodelay`: at the highest emulated latency, the postgres.js template (its socket with
 *   `TCP_NODELAY`) is at least half a round trip faster than the bare driver (Nagle's algorithm
 *   on), although each template sample also builds its pool (a token provider, its first token).
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
  const steady = inputs.connectBreakdown.find((row) => row.latencyMs === 0 && row.role === 'admin')
  if (steady) {
    const { cachedTokenMs, credentialsMs, tokenMs } = steady.parts
    const share = (cachedTokenMs / steady.totalMs) * 100
    checks.push({
      id: 'auth-share',
      passed: share < 1,
      detail: `inside a new connection at 0 ms, the template's provider with its token cached takes ${ms(cachedTokenMs, 3)}, ${percent(share)} of the connection's ${ms(steady.totalMs)} (bar: under 1%); resolving credentials and signing, once per provider and refresh interval, take ${ms(credentialsMs, 3)} and ${ms(tokenMs, 3)}`,
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
      // One round trip, give or take the timer's jitter: much more would mean another difference.
      passed &&= saved >= 0.8 * highest && saved <= 1.5 * highest
      parts.push(
        `${driver} saves ${ms(saved)} (${ms(request.p50Ms.median)} → ${ms(direct.p50Ms.median)})`,
      )
    }
    if (parts.length > 0) {
      checks.push({
        id: 'direct-tls',
        passed,
        detail: `at a ${highest} ms round trip, direct TLS against SSLRequest: ${parts.join('; ')} (bar: one round trip, 80% to 150% of it)`,
      })
    }
  }
  if (highest !== undefined && highest > 0) {
    const template = connect('postgres.js', 'template', 'direct', highest)
    const bare = connect('postgres.js', 'bare', 'direct', highest)
    if (template && bare) {
      const saved = bare.p50Ms.median - template.p50Ms.median
      checks.push({
        id: 'postgres-js-nodelay',
        passed: saved >= 0.5 * highest,
        detail: `at a ${highest} ms round trip, the postgres.js template connects in ${ms(template.p50Ms.median)} against the bare driver's ${ms(bare.p50Ms.median)}: ${ms(saved)} less (bar: at least half a round trip)`,
      })
    }
  }
  return checks
}
