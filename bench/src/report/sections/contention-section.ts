import type { BenchRun } from '../../bench-results.ts'
import { chartImage } from '../chart-files.ts'
import { byOrder, CLIENTS, clientLabel, DRIVERS, driverLabel } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatDecimal, formatInteger, formatSpreadOps } from '../number-format.ts'
import { reportSection } from './report-section.ts'

/**
 * The contention section of `results.md`: workers doing read-modify-write on a few shared rows
 * through `withRetry`, per driver: commits, conflicts, attempts per commit, commits per second, and
 * lost updates (must be 0) and transactions that gave up at their retry helper's last attempt.
 *
 * @example
 * ```ts
 * contentionSection(run) // '## Contention\n\n...'
 * ```
 */
export function contentionSection(run: BenchRun): string {
  const { contention } = run.settings
  const intro =
    `${contention.workers} workers each read a row of ${contention.rows}, add one and write it ` +
    "back in a transaction retried on conflicts (the templates through `dsql-auth`'s `withRetry`, " +
    `the official connector through its own transaction helper), for ${formatInteger(contention.runMs)} ` +
    'ms per repetition. *Conflicts*: attempts that met SQLSTATE 40001; *retries*: those started ' +
    'again; *lost updates*: increments committed but missing from the sum, must be 0; *gave up*: ' +
    "transactions still in conflict at their retry helper's last attempt (`withRetry` makes 5 " +
    "attempts by default, the official connector's helper 4)."
  const rows = [...run.contention].sort(
    (a, b) => byOrder(DRIVERS, a.driver, b.driver) || byOrder(CLIENTS, a.client, b.client),
  )
  const body =
    rows.length === 0
      ? undefined
      : `${markdownTable(
          [
            { heading: 'driver' },
            { heading: 'client' },
            { heading: 'workers on rows' },
            { heading: 'commits', align: 'right' },
            { heading: 'conflicts', align: 'right' },
            { heading: 'retries', align: 'right' },
            { heading: 'attempts per commit', align: 'right' },
            { heading: 'commits/s', align: 'right' },
            { heading: 'lost updates', align: 'right' },
            { heading: 'gave up', align: 'right' },
          ],
          rows.map((row) => [
            driverLabel(row.driver),
            clientLabel(row.client),
            `${row.workers} on ${row.rows}`,
            formatInteger(row.commits),
            formatInteger(row.conflicts),
            formatInteger(row.retries),
            formatDecimal(row.attemptsPerCommit),
            formatSpreadOps(row.commitsPerSecond),
            formatInteger(row.lostUpdates),
            formatInteger(row.gaveUp),
          ]),
        )}\n\n${chartImage('contention', '')}`
  return reportSection('Contention', intro, body)
}
