import type { BenchRun } from '../../bench-results.ts'
import { byOrder, DRIVERS, driverLabel } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatInteger, formatKiB } from '../number-format.ts'
import { reportSection } from './report-section.ts'

/**
 * The features section of `results.md`: what each template weighs on disk and how much
 * DSQL-specific code it has, counted from the repository and the installed packages.
 *
 * @example
 * ```ts
 * featuresSection(run) // '## What each template weighs\n\n...'
 * ```
 */
export function featuresSection(run: BenchRun): string {
  const intro =
    "*Install size*: the driver's package and its production dependencies on disk; *packages*: " +
    'in that dependency tree, the driver included; *DSQL-specific lines*: code lines (no comments, ' +
    "no blank lines) of the template's DSQL-specific files: `src/db.ts` and `src/transaction.ts`, " +
    'plus `src/retrying-pool.ts` (pg) and `src/retry-refused.ts` (postgres.js).'
  const rows = [...run.features].sort((a, b) => byOrder(DRIVERS, a.driver, b.driver))
  const body =
    rows.length === 0
      ? undefined
      : markdownTable(
          [
            { heading: 'driver' },
            { heading: 'install size', align: 'right' },
            { heading: 'packages', align: 'right' },
            { heading: 'DSQL-specific lines', align: 'right' },
          ],
          rows.map((row) => [
            driverLabel(row.driver),
            formatKiB(row.installKiB),
            formatInteger(row.packages),
            formatInteger(row.dsqlLines),
          ]),
        )
  return reportSection('What each template weighs', intro, body)
}
