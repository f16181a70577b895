import type { BarCheck, BenchRun, ClientKind, Driver, TlsMode, Workload } from '../bench-results.ts'

/**
 * The names the report gives the run's keys, and the order it lists them in: the same words in
 * every table, chart and finding.
 * @module
 */

/**
 * The drivers in report order.
 *
 * @example
 * ```ts
 * for (const driver of DRIVERS) console.log(driverLabel(driver))
 * ```
 */
export const DRIVERS: readonly Driver[] = Object.freeze(['pg', 'postgres.js', 'kysely'])

/**
 * Who opens the connections, in report order: the template first, then its baselines.
 *
 * @example
 * ```ts
 * CLIENTS.indexOf('bare') // 2
 * ```
 */
export const CLIENTS: readonly ClientKind[] = Object.freeze([
  'template',
  'official',
  'bare',
  'postgres',
])

/**
 * The TLS modes in report order.
 *
 * @example
 * ```ts
 * TLS_MODES[0] // 'direct'
 * ```
 */
export const TLS_MODES: readonly TlsMode[] = Object.freeze(['direct', 'sslrequest'])

/**
 * The query workloads in report order.
 *
 * @example
 * ```ts
 * WORKLOADS[1] // 'insert-tx'
 * ```
 */
export const WORKLOADS: readonly Workload[] = Object.freeze(['point-select', 'insert-tx'])

const DRIVER_LABELS: Readonly<Record<Driver, string>> = Object.freeze({
  pg: 'pg',
  'postgres.js': 'postgres.js',
  kysely: 'Kysely',
})

const CLIENT_LABELS: Readonly<Record<ClientKind, string>> = Object.freeze({
  template: 'template',
  official: 'official connector',
  bare: 'bare driver',
  postgres: 'plain PostgreSQL',
})

const TLS_LABELS: Readonly<Record<TlsMode, string>> = Object.freeze({
  direct: 'direct TLS',
  sslrequest: 'SSLRequest',
})

const WORKLOAD_LABELS: Readonly<Record<Workload, string>> = Object.freeze({
  'point-select': 'point select',
  'insert-tx': 'insert transaction',
})

const CHECK_LABELS: Readonly<Record<BarCheck['id'], string>> = Object.freeze({
  'auth-share': 'The token step is a small share of a new connection',
  'pg-vs-official-connect': 'pg template vs official connector: new connection',
  'pg-vs-official-pooled': 'pg template vs official connector: pooled queries',
  'direct-tls': 'Direct TLS saves the SSLRequest round trip',
  'postgres-js-nodelay': "The postgres.js template's TCP_NODELAY saves the driver's Nagle wait",
})

/**
 * A driver as the docs name it: `pg`, `postgres.js`, `Kysely`.
 *
 * @example
 * ```ts
 * driverLabel('kysely') // 'Kysely'
 * ```
 */
export function driverLabel(driver: Driver): string {
  return DRIVER_LABELS[driver]
}

/**
 * A client kind in words: `template`, `official connector`, `bare driver`, `plain PostgreSQL`.
 *
 * @example
 * ```ts
 * clientLabel('postgres') // 'plain PostgreSQL'
 * ```
 */
export function clientLabel(client: ClientKind): string {
  return CLIENT_LABELS[client]
}

/**
 * A TLS mode in words: `direct TLS` or `SSLRequest`.
 *
 * @example
 * ```ts
 * tlsLabel('sslrequest') // 'SSLRequest'
 * ```
 */
export function tlsLabel(tls: TlsMode): string {
  return TLS_LABELS[tls]
}

/**
 * A workload in words: `point select`, `insert transaction`.
 *
 * @example
 * ```ts
 * workloadLabel('insert-tx') // 'insert transaction'
 * ```
 */
export function workloadLabel(workload: Workload): string {
  return WORKLOAD_LABELS[workload]
}

/**
 * What a bar check checks, in words.
 *
 * @example
 * ```ts
 * checkLabel('direct-tls') // 'Direct TLS saves the SSLRequest round trip'
 * ```
 */
export function checkLabel(id: BarCheck['id']): string {
  return CHECK_LABELS[id]
}

/**
 * A run's target in words.
 *
 * @example
 * ```ts
 * targetLabel('cluster') // 'a real Aurora DSQL cluster'
 * ```
 */
export function targetLabel(target: BenchRun['target']): string {
  return target === 'cluster'
    ? 'a real Aurora DSQL cluster'
    : 'a `dsql-local` stand-in on the same machine'
}

/**
 * The network a connect figure was measured over: the stand-in's emulated latency per round trip,
 * or a cluster's real network.
 *
 * @example
 * ```ts
 * latencyLabel('dsql-local', 5) // '5 ms added latency'
 * ```
 */
export function latencyLabel(target: BenchRun['target'], latencyMs: number): string {
  return target === 'cluster' && latencyMs === 0 ? 'real network' : `${latencyMs} ms added latency`
}

/**
 * Where a figure was measured, as a phrase for a sentence: `at 5 ms added latency` on the
 * stand-in, `over the real network` against a cluster.
 *
 * @example
 * ```ts
 * `${capitalize(latencyPhrase(run.target, 5))} the pg template takes ...` // 'At 5 ms added latency ...'
 * ```
 */
export function latencyPhrase(target: BenchRun['target'], latencyMs: number): string {
  const label = latencyLabel(target, latencyMs)
  return label === 'real network' ? 'over the real network' : `at ${label}`
}

/**
 * Where the pooled queries and the contention workload ran, as a phrase for a sentence: on the
 * stand-in with no emulated latency (`at 0 ms added latency`: their figures are of the stand-in's
 * own speed, not of a network delay), or over a cluster's real network.
 *
 * @example
 * ```ts
 * `Point selects through a warm pool, ${pooledLatencyPhrase('dsql-local')}` // '..., at 0 ms added latency'
 * ```
 */
export function pooledLatencyPhrase(target: BenchRun['target']): string {
  return latencyPhrase(target, 0)
}

/**
 * The code that recorded a run: its commit, shortened to seven digits, and whether the work tree
 * had changes that no commit holds.
 *
 * @example
 * ```ts
 * sourceLabel({ commit: '6559672e0d...', dirty: true }) // 'commit `6559672` with uncommitted changes'
 * ```
 */
export function sourceLabel(source: BenchRun['source']): string {
  const commit = /^[0-9a-f]{8,40}$/i.test(source.commit) ? source.commit.slice(0, 7) : source.commit
  return `commit \`${commit}\`${source.dirty ? ' with uncommitted changes' : ''}`
}

/**
 * Compares two values by their place in `order` (unknown values last), for `Array.prototype.sort`.
 *
 * @example
 * ```ts
 * rows.sort((a, b) => byOrder(DRIVERS, a.driver, b.driver))
 * ```
 */
export function byOrder<T>(order: readonly T[], a: T, b: T): number {
  const rank = (value: T) => {
    const index = order.indexOf(value)
    return index === -1 ? order.length : index
  }
  return rank(a) - rank(b)
}
