import type { BenchRun, ConnectBreakdown } from '../../bench-results.ts'
import { CONNECTION_PARTS, PROVIDER_PARTS } from '../breakdown-parts.ts'
import { chartImage } from '../chart-files.ts'
import { byOrder, latencyLabel } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatDecimal, formatInteger } from '../number-format.ts'
import { joinWords } from '../text-format.ts'
import { reportSection } from './report-section.ts'

const ROLES: readonly ConnectBreakdown['role'][] = ['admin', 'non-admin']

/**
 * The breakdown section of `results.md`: where the time of one new connection goes, by role and
 * latency, in ms: the steps every new connection pays for and their total, then the two steps a
 * new token provider takes once instead of the cached token, and the total of such a first
 * connection.
 *
 * @example
 * ```ts
 * connectBreakdownSection(run) // "## Where a new connection's time goes\n\n..."
 * ```
 */
export function connectBreakdownSection(run: BenchRun): string {
  const rows = [...run.connectBreakdown].sort(
    (a, b) => a.latencyMs - b.latencyMs || byOrder(ROLES, a.role, b.role),
  )
  const samples = [...new Set(rows.map((row) => row.samples))].sort((a, b) => a - b)
  const counted =
    samples.length === 0
      ? 'all samples of all repetitions'
      : `all samples of all repetitions (${joinWords(samples.map(formatInteger))} per repetition, after a warm-up)`
  const intro =
    "A `pg.Client` with the templates' TLS settings (`dsqlTls`: direct TLS, one shared TLS " +
    'context), its connection events marking where each step ends: the median of each step over ' +
    `${counted}, in ms; each total is the sum of its steps' medians. Each connection takes its ` +
    "password from the template's token provider (a warm `createTokenProvider`) with the token " +
    'cached, as every new connection of a running program does: *new connection* is that *cached ' +
    "token*, then *TCP*, *TLS*, *auth* (startup message to `AuthenticationOk`, the server's token " +
    'check included), *session* (to the first `ReadyForQuery`) and the *first query*. A new token ' +
    'provider does two steps once instead of the cached token, timed in each sample as it does ' +
    'them: *credentials* (a new default credential chain, `fromNodeProviderChain`, resolved) and ' +
    '*signing* (a token signed with `DsqlSigner`); *first connection of a new provider* counts ' +
    'those two and the steps after the token. `admin` signs with `DbConnectAdmin`, any other role ' +
    'with `DbConnect`.'
  const body =
    rows.length === 0
      ? undefined
      : `${markdownTable(
          [
            { heading: 'latency' },
            { heading: 'role' },
            ...CONNECTION_PARTS.map(([, label]) => ({ heading: label, align: 'right' as const })),
            { heading: 'new connection', align: 'right' },
            ...PROVIDER_PARTS.map(([, label]) => ({ heading: label, align: 'right' as const })),
            { heading: 'first connection of a new provider', align: 'right' },
          ],
          rows.map((row) => [
            latencyLabel(run.target, row.latencyMs),
            row.role,
            ...CONNECTION_PARTS.map(([key]) => formatDecimal(row.parts[key])),
            `**${formatDecimal(row.totalMs)}**`,
            ...PROVIDER_PARTS.map(([key]) => formatDecimal(row.parts[key])),
            `**${formatDecimal(row.coldTotalMs)}**`,
          ]),
        )}\n\n${chartImage('connectBreakdown', '')}`
  return reportSection("Where a new connection's time goes", intro, body)
}
