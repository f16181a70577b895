import type {
  BenchRun,
  ClientKind,
  ConnectResult,
  Driver,
  QueryResult,
  TlsMode,
  Workload,
} from '../bench-results.ts'

/**
 * Finding one row of a run by its keys, for ratios, findings and the docs' tables. Each returns
 * `undefined` for a row the run did not measure.
 * @module
 */

/** The keys of one connect measurement. */
export interface ConnectKey {
  readonly driver: Driver
  readonly client: ClientKind
  readonly latencyMs: number
  readonly tls: TlsMode
}

/** The keys of one query measurement. */
export interface QueryKey {
  readonly driver: Driver
  readonly client: QueryResult['client']
  readonly workload: Workload
  readonly concurrency: number
}

/**
 * The connect row with exactly these keys.
 *
 * @example
 * ```ts
 * connectRow(run, { driver: 'pg', client: 'bare', latencyMs: 0, tls: 'direct' })?.p50Ms.median
 * ```
 */
export function connectRow(run: BenchRun, key: ConnectKey): ConnectResult | undefined {
  return run.connect.find(
    (row) =>
      row.driver === key.driver &&
      row.client === key.client &&
      row.latencyMs === key.latencyMs &&
      row.tls === key.tls,
  )
}

/**
 * The connect row of a client as it connects by default: direct TLS when measured, else
 * SSLRequest (the official connector's only way).
 *
 * @example
 * ```ts
 * preferredConnectRow(run, 'pg', 'official', 0)?.tls // 'sslrequest'
 * ```
 */
export function preferredConnectRow(
  run: BenchRun,
  driver: Driver,
  client: ClientKind,
  latencyMs: number,
): ConnectResult | undefined {
  return (
    connectRow(run, { driver, client, latencyMs, tls: 'direct' }) ??
    connectRow(run, { driver, client, latencyMs, tls: 'sslrequest' })
  )
}

/**
 * The query row with exactly these keys.
 *
 * @example
 * ```ts
 * queryRow(run, { driver: 'pg', client: 'official', workload: 'point-select', concurrency: 10 })
 * ```
 */
export function queryRow(run: BenchRun, key: QueryKey): QueryResult | undefined {
  return run.queries.find(
    (row) =>
      row.driver === key.driver &&
      row.client === key.client &&
      row.workload === key.workload &&
      row.concurrency === key.concurrency,
  )
}

/**
 * The emulated latencies the connect rows were measured at, ascending.
 *
 * @example
 * ```ts
 * connectLatencies(run) // [0, 5]
 * ```
 */
export function connectLatencies(run: BenchRun): number[] {
  return [...new Set(run.connect.map((row) => row.latencyMs))].sort((a, b) => a - b)
}

/**
 * The concurrency the docs quote pooled figures at: 10 when it was measured, else the highest
 * measured (`undefined` without query rows).
 *
 * @example
 * ```ts
 * headlineConcurrency(run) // 10
 * ```
 */
export function headlineConcurrency(run: BenchRun): number | undefined {
  const measured = [...new Set(run.queries.map((row) => row.concurrency))].sort((a, b) => a - b)
  return measured.includes(10) ? 10 : measured.at(-1)
}

/**
 * The connect row of a baseline `client` to hold `row` against: same driver and latency, the same
 * TLS mode when the baseline was measured with it, else the baseline's own (plain PostgreSQL may
 * only know SSLRequest).
 *
 * @example
 * ```ts
 * baselineConnectRow(run, templateRow, 'bare')?.p50Ms.median
 * ```
 */
export function baselineConnectRow(
  run: BenchRun,
  row: ConnectResult,
  client: ClientKind,
): ConnectResult | undefined {
  return (
    connectRow(run, { ...row, client }) ??
    preferredConnectRow(run, row.driver, client, row.latencyMs)
  )
}

/** One driver's connect p50 with direct TLS and with SSLRequest, from the same client. */
export interface TlsComparison {
  readonly driver: Driver
  readonly client: Exclude<ClientKind, 'official'>
  readonly direct: ConnectResult
  readonly sslRequest: ConnectResult
}

/**
 * A driver's connect rows with both TLS modes at one latency, from the first client measured
 * both ways: the template, else the bare driver, else plain PostgreSQL.
 *
 * @example
 * ```ts
 * const pair = tlsComparison(run, 'pg', 5)
 * if (pair) console.log(pair.sslRequest.p50Ms.median - pair.direct.p50Ms.median)
 * ```
 */
export function tlsComparison(
  run: BenchRun,
  driver: Driver,
  latencyMs: number,
): TlsComparison | undefined {
  for (const client of ['template', 'bare', 'postgres'] as const) {
    const direct = connectRow(run, { driver, client, latencyMs, tls: 'direct' })
    const sslRequest = connectRow(run, { driver, client, latencyMs, tls: 'sslrequest' })
    if (direct !== undefined && sslRequest !== undefined) {
      return { driver, client, direct, sslRequest }
    }
  }
  return undefined
}
