import type { BenchRun, ConnectBreakdown } from '../../bench-results.ts'
import { chartImage } from '../chart-files.ts'
import { byOrder, latencyLabel } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatDecimal } from '../number-format.ts'
import { reportSection } from './report-section.ts'

/**
 * The parts of a new connection in the order they happen, with the words the report uses for them.
 *
 * @example
 * ```ts
 * BREAKDOWN_PARTS.map(([key, label]) => `${label}: ${breakdown.parts[key]} ms`)
 * ```
 */
export const BREAKDOWN_PARTS: readonly (readonly [keyof ConnectBreakdown['parts'], string])[] =
  Object.freeze([
    ['credentialsMs', 'credentials'],
    ['tokenMs', 'token'],
    ['tcpMs', 'TCP'],
    ['tlsMs', 'TLS'],
    ['authMs', 'auth'],
    ['sessionMs', 'session'],
    ['firstQueryMs', 'first query'],
  ] as const)

const ROLES: readonly ConnectBreakdown['role'][] = ['admin', 'non-admin']

/**
 * The breakdown section of `results.md`: where the time of one new connection goes, by role and
 * latency, in ms.
 *
 * @example
 * ```ts
 * connectBreakdownSection(run) // "## Where a new connection's time goes\n\n..."
 * ```
 */
export function connectBreakdownSection(run: BenchRun): string {
  const intro =
    "One `pg.Client` through the template's token provider, timed step by step: medians over the " +
    'samples of the last repetition, in ms. `admin` signs with `DbConnectAdmin`, any other role ' +
    'with `DbConnect`.'
  const rows = [...run.connectBreakdown].sort(
    (a, b) => a.latencyMs - b.latencyMs || byOrder(ROLES, a.role, b.role),
  )
  const body =
    rows.length === 0
      ? undefined
      : `${markdownTable(
          [
            { heading: 'latency' },
            { heading: 'role' },
            ...BREAKDOWN_PARTS.map(([, label]) => ({ heading: label, align: 'right' as const })),
            { heading: 'total', align: 'right' },
          ],
          rows.map((row) => [
            latencyLabel(run.target, row.latencyMs),
            row.role,
            ...BREAKDOWN_PARTS.map(([key]) => formatDecimal(row.parts[key])),
            formatDecimal(row.totalMs),
          ]),
        )}\n\n${chartImage('connectBreakdown', '')}`
  return reportSection("Where a new connection's time goes", intro, body)
}
