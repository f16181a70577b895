import type { BenchRun, QueryResult, Workload } from '../../bench-results.ts'
import { chartImage } from '../chart-files.ts'
import {
  byOrder,
  CLIENTS,
  clientLabel,
  DRIVERS,
  driverLabel,
  pooledLatencyPhrase,
  WORKLOADS,
  workloadLabel,
} from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatInteger, formatRatio, formatSpreadMs, formatSpreadOps } from '../number-format.ts'
import { queryRow } from '../run-lookup.ts'
import { capitalize } from '../text-format.ts'
import { reportSection } from './report-section.ts'

/**
 * The queries section of `results.md`: for each workload, operations per second, p50 and p99 at
 * each number of callers in flight (without emulated latency), with each `pg` row's ratio to the
 * official connector and each row's ratio to the same driver against plain PostgreSQL (the
 * ceiling).
 *
 * @example
 * ```ts
 * queriesSection(run) // '## Queries through a warm pool\n\n...'
 * ```
 */
export function queriesSection(run: BenchRun): string {
  const { settings } = run
  const intro =
    'Callers in a closed loop through one warm pool with as many connections as callers, ' +
    `${formatInteger(settings.queryRunMs)} ms per repetition after a warm-up, ` +
    `${pooledLatencyPhrase(run.target)}. *Point select*: one ` +
    'row by primary key; *insert transaction*: one INSERT in a transaction retried on conflicts ' +
    "(the template's `transaction()`, the official connector's `pool.transaction()`). Ratios are " +
    'of operations per second, so above 1.00× is faster: *vs official* against the official ' +
    "connector (a `pg` pool, so `pg` rows only), *vs PostgreSQL* against the same driver's pool " +
    'on plain PostgreSQL: the ceiling, with neither IAM authentication nor the stand-in in the ' +
    'way. *errors*: operations that failed after retries, over all repetitions.'
  if (run.queries.length === 0)
    return reportSection('Queries through a warm pool', intro, undefined)
  const workloads = WORKLOADS.filter((workload) =>
    run.queries.some((row) => row.workload === workload),
  )
  const tables = workloads.map(
    (workload) => `### ${capitalize(workloadLabel(workload))}\n\n${workloadTable(run, workload)}`,
  )
  const charts = [chartImage('queriesThroughput', ''), chartImage('queriesP99', '')].join('\n\n')
  return reportSection('Queries through a warm pool', intro, [...tables, charts].join('\n\n'))
}

function workloadTable(run: BenchRun, workload: Workload): string {
  const rows = run.queries
    .filter((row) => row.workload === workload)
    .sort(
      (a, b) =>
        a.concurrency - b.concurrency ||
        byOrder(DRIVERS, a.driver, b.driver) ||
        byOrder(CLIENTS, a.client, b.client),
    )
  return markdownTable(
    [
      { heading: 'in flight', align: 'right' },
      { heading: 'driver' },
      { heading: 'client' },
      { heading: 'ops/s', align: 'right' },
      { heading: 'p50', align: 'right' },
      { heading: 'p99', align: 'right' },
      { heading: 'errors', align: 'right' },
      { heading: 'vs official', align: 'right' },
      { heading: 'vs PostgreSQL', align: 'right' },
    ],
    rows.map((row) => [
      String(row.concurrency),
      driverLabel(row.driver),
      clientLabel(row.client),
      formatSpreadOps(row.opsPerSecond),
      formatSpreadMs(row.p50Ms),
      formatSpreadMs(row.p99Ms),
      formatInteger(row.errors),
      row.driver === 'pg' && row.client !== 'official' ? ratio(run, row, 'official') : '—',
      row.client === 'postgres' ? '—' : ratio(run, row, 'postgres'),
    ]),
  )
}

function ratio(run: BenchRun, row: QueryResult, client: 'official' | 'postgres'): string {
  return formatRatio(
    row.opsPerSecond.median,
    queryRow(run, { ...row, client })?.opsPerSecond.median,
  )
}
