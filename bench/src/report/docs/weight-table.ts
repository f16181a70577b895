import type { BenchRun, Driver } from '../../bench-results.ts'
import { formatInteger, formatKiB, formatMiB, formatMs } from '../number-format.ts'
import { NOT_MEASURED } from '../sections/report-section.ts'
import { driverTable } from './driver-table.ts'

/**
 * The `weight-table` block: what each template weighs, a column per driver: install size and
 * packages of the driver, cold start and peak memory of a process using the template, and the
 * lines of DSQL-specific code, all from the run's `features` and `footprint`.
 *
 * @example
 * ```ts
 * weightTable(run) // '| | pg | postgres.js | Kysely |\n| Install size ... |'
 * ```
 */
export function weightTable(run: BenchRun): string {
  const feature = (driver: Driver) => run.features.find((row) => row.driver === driver)
  const footprint = (driver: Driver) =>
    run.footprint.find((row) => row.driver === driver && row.client === 'template')
  const table = driverTable('', [
    {
      label: 'Install size (driver and its production dependencies)',
      cell: (driver) => {
        const row = feature(driver)
        return row === undefined ? undefined : formatKiB(row.installKiB)
      },
    },
    {
      label: 'Packages installed (driver included)',
      cell: (driver) => {
        const row = feature(driver)
        return row === undefined ? undefined : formatInteger(row.packages)
      },
    },
    {
      label: 'Cold start: process spawn to first query result',
      cell: (driver) => {
        const row = footprint(driver)
        return row === undefined ? undefined : formatMs(row.coldStartMs.median)
      },
    },
    {
      label: `Peak memory (RSS) after ${formatInteger(run.settings.footprintQueries)} pooled queries`,
      cell: (driver) => {
        const row = footprint(driver)
        return row === undefined ? undefined : formatMiB(row.peakRssMiB.median)
      },
    },
    {
      label: 'DSQL-specific code (lines without comments)',
      cell: (driver) => {
        const row = feature(driver)
        return row === undefined ? undefined : formatInteger(row.dsqlLines)
      },
    },
  ])
  return table ?? NOT_MEASURED
}
