import type { BenchRun, Driver, QueryResult, Workload } from '../../bench-results.ts'
import { clientLabel, DRIVERS, latencyLabel } from '../labels.ts'
import { formatDecimal, formatMs, formatOps } from '../number-format.ts'
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
 * driver): new connection p50 of the template and its baselines at the lowest and highest
 * latency, what direct TLS saves, pooled throughput and p99, attempts per commit under contention.
 * Medians only; `results.md` has every spread.
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
    const officialTls = preferredConnectRow(run, 'pg', 'official', low)?.tls
    rows.push(
      connectFigure(run, `New connection, p50, ${at}: template`, 'template', low),
      connectFigure(
        run,
        `… official connector${officialTls === 'sslrequest' ? ' (SSLRequest)' : ''}`,
        'official',
        low,
      ),
      connectFigure(run, '… bare driver (floor)', 'bare', low),
      connectFigure(run, '… plain PostgreSQL (ceiling)', 'postgres', low),
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
  if (concurrency !== undefined) {
    rows.push(
      opsFigure(
        run,
        `Point selects/s, ${concurrency} in flight: template`,
        'template',
        'point-select',
        concurrency,
      ),
      opsFigure(run, '… official connector', 'official', 'point-select', concurrency),
      opsFigure(run, '… plain PostgreSQL', 'postgres', 'point-select', concurrency),
      {
        label: `Point select p99, ${concurrency} in flight: template`,
        cell: (driver) =>
          format(
            queryRow(run, { driver, client: 'template', workload: 'point-select', concurrency })
              ?.p99Ms.median,
            formatMs,
          ),
      },
      opsFigure(
        run,
        `Insert transactions/s, ${concurrency} in flight: template`,
        'template',
        'insert-tx',
        concurrency,
      ),
    )
  }
  rows.push({
    label: `Attempts per commit, ${run.settings.contention.workers} workers on ${run.settings.contention.rows} rows: template`,
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
