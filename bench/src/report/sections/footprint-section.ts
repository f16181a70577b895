import type { BenchRun } from '../../bench-results.ts'
import { byOrder, CLIENTS, clientLabel, DRIVERS, driverLabel } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatInteger, formatSpreadMiB, formatSpreadMs } from '../number-format.ts'
import { reportSection } from './report-section.ts'

/**
 * The footprint section of `results.md`: per driver, a new process's time from spawn to its first
 * query's result, and the most memory it held after a pooled workload.
 *
 * @example
 * ```ts
 * footprintSection(run) // '## Footprint\n\n...'
 * ```
 */
export function footprintSection(run: BenchRun): string {
  const { settings } = run
  const intro =
    `${settings.footprintProcesses} new processes per driver and client. *Cold start*: from ` +
    "spawn to the first query's result, module loading included; *peak RSS*: the most memory " +
    `the process held after ${formatInteger(settings.footprintQueries)} pooled queries.`
  const rows = [...run.footprint].sort(
    (a, b) => byOrder(DRIVERS, a.driver, b.driver) || byOrder(CLIENTS, a.client, b.client),
  )
  const body =
    rows.length === 0
      ? undefined
      : markdownTable(
          [
            { heading: 'driver' },
            { heading: 'client' },
            { heading: 'cold start', align: 'right' },
            { heading: 'peak RSS', align: 'right' },
          ],
          rows.map((row) => [
            driverLabel(row.driver),
            clientLabel(row.client),
            formatSpreadMs(row.coldStartMs),
            formatSpreadMiB(row.peakRssMiB),
          ]),
        )
  return reportSection('Footprint', intro, body)
}
