import type { BenchRun, Driver, QueryResult, Workload } from '../../bench-results.ts'
import { clientLabel, DRIVERS, latencyLabel, pooledLatencyPhrase } from '../labels.ts'
import { formatDecimal, formatMs, formatOps } from '../number-format.ts'
import { TEMPLATE_RETRY } from '../retry-policies.ts'
import {
  connectLatencies,
  headlineConcurrency,
  preferredConnectRow,
  queryRow,
  tlsComparison,
} from '../run-lookup.ts'
import { NOT_MEASURED } from '../sections/report-section.ts'
import { type DriverTableRow, driverTable } from './driver-table.ts'

/**
 * The `measured-table` block: the headline figures per driver in one table (a column per
 * driver): new connection p50 of the template and its baselines at the lowest latency (the bare
 * driver the floor of the auth layer, plain PostgreSQL a reference) and of the template at the
 * highest, what direct TLS saves, pooled throughput (plain PostgreSQL the ceiling) and p99, and
 * attempts per commit under contention, the pooled figures without emulated latency. Medians
 * only; `results.md` has every spread.
 *
 * @example
 * ```ts
 * measuredTable(run) // '| | pg | postgres.js | Kysely |\n...'
 * ```
 */
export function measuredTable(run: BenchRun): string {
  const latencies = connectLatencies(run)
  const low = latencies[0]
  const high = latencies.at(-1)
  const concurrency = headlineConcurrency(run)
  const rows: DriverTableRow[] = []
  if (low !== undefined) {
    const at = latencyLabel(run.target, low)
    rows.push(
      connectFigure(run, `New connection, p50, ${at}: template`, 'template', low),
      officialFigure(run, low),
      connectFigure(run, '… bare driver (floor of the auth layer)', 'bare', low),
      connectFigure(run, '… plain PostgreSQL (reference, not a ceiling)', 'postgres', low),
    )
  }
  if (high !== undefined && high !== low) {
    const tlsClient = DRIVERS.map((driver) => tlsComparison(run, driver, high)?.client).find(
      (client) => client !== undefined,
    )
    rows.push(
      connectFigure(
        run,
        `New connection, p50, ${latencyLabel(run.target, high)}: template`,
        'template',
        high,
      ),
      officialFigure(run, high),
      {
        label: `… saved by direct TLS against SSLRequest${tlsClient === undefined || tlsClient === 'template' ? '' : ` (${clientLabel(tlsClient)})`}`,
        cell: (driver) => {
          const pair = tlsComparison(run, driver, high)
          return pair === undefined
            ? undefined
            : formatMs(pair.sslRequest.p50Ms.median - pair.direct.p50Ms.median)
        },
      },
    )
  }
  const pooled = pooledLatencyPhrase(run.target)
  if (concurrency !== undefined) {
    rows.push(
      opsFigure(
        run,
        `Point selects/s, ${concurrency} in flight, ${pooled}: template`,
        'template',
        'point-select',
        concurrency,
      ),
      opsFigure(run, '… official connector', 'official', 'point-select', concurrency),
      opsFigure(run, '… plain PostgreSQL (ceiling)', 'postgres', 'point-select', concurrency),
      {
        label: `Point select p99, ${concurrency} in flight, ${pooled}: template`,
        cell: (driver) =>
          format(
            queryRow(run, { driver, client: 'template', workload: 'point-select', concurrency })
              ?.p99Ms.median,
            formatMs,
          ),
      },
      opsFigure(
        run,
        `Insert transactions/s, ${concurrency} in flight, ${pooled}: template`,
        'template',
        'insert-tx',
        concurrency,
      ),
    )
  }
  rows.push({
    label: `Attempts per commit, ${run.settings.contention.workers} workers on ${run.settings.contention.rows} rows, ${pooled}: template (\`withRetry\`, up to ${TEMPLATE_RETRY.maxAttempts} attempts)`,
    cell: (driver) =>
      format(
        run.contention.find((row) => row.driver === driver && row.client === 'template')
          ?.attemptsPerCommit,
        formatDecimal,
      ),
  })
  const table = driverTable('', rows)
  if (table === undefined) return NOT_MEASURED
  return `${table}\n\nMedians of ${run.settings.repetitions} repetitions; each figure's spread is in the full results.`
}

/** The official connector's connect p50, saying when it connects with SSLRequest. */
function officialFigure(run: BenchRun, latencyMs: number): DriverTableRow {
  const tls = preferredConnectRow(run, 'pg', 'official', latencyMs)?.tls
  const label = `… official connector${tls === 'sslrequest' ? ' (SSLRequest)' : ''}`
  return connectFigure(run, label, 'official', latencyMs)
}

function connectFigure(
  run: BenchRun,
  label: string,
  client: 'template' | 'official' | 'bare' | 'postgres',
  latencyMs: number,
): DriverTableRow {
  return {
    label,
    cell: (driver: Driver) =>
      format(preferredConnectRow(run, driver, client, latencyMs)?.p50Ms.median, formatMs),
  }
}

function opsFigure(
  run: BenchRun,
  label: string,
  client: QueryResult['client'],
  workload: Workload,
  concurrency: number,
): DriverTableRow {
  return {
    label,
    cell: (driver: Driver) =>
      format(
        queryRow(run, { driver, client, workload, concurrency })?.opsPerSecond.median,
        formatOps,
      ),
  }
}

function format(
  value: number | undefined,
  formatter: (value: number) => string,
): string | undefined {
  return value === undefined ? undefined : formatter(value)
}
