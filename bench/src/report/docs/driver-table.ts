import type { Driver } from '../../bench-results.ts'
import { DRIVERS, driverLabel } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'

/** One row of a table with a column per driver: what it shows, and each driver's cell. */
export interface DriverTableRow {
  readonly label: string
  /** The cell of a driver, or `undefined` for a figure the run lacks (shown as `—`). */
  readonly cell: (driver: Driver) => string | undefined
}

/**
 * A table with one column per driver, like the README's comparison table. A row whose every cell
 * is missing is left out; `undefined` when no row is left.
 *
 * @example
 * ```ts
 * driverTable('', [{ label: 'DSQL-specific lines', cell: (d) => String(lines[d]) }])
 * ```
 */
export function driverTable(corner: string, rows: readonly DriverTableRow[]): string | undefined {
  const shown = rows
    .map((row) => ({ label: row.label, cells: DRIVERS.map((driver) => row.cell(driver)) }))
    .filter((row) => row.cells.some((cell) => cell !== undefined))
  if (shown.length === 0) return undefined
  return markdownTable(
    [
      { heading: corner },
      ...DRIVERS.map((driver) => ({ heading: driverLabel(driver), align: 'right' as const })),
    ],
    shown.map((row) => [row.label, ...row.cells.map((cell) => cell ?? '—')]),
  )
}
