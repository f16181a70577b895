import type { BenchRun, ConnectResult } from '../../bench-results.ts'
import { chartImage } from '../chart-files.ts'
import {
  byOrder,
  CLIENTS,
  clientLabel,
  DRIVERS,
  driverLabel,
  latencyLabel,
  TLS_MODES,
  tlsLabel,
} from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatRatio, formatSpreadMs } from '../number-format.ts'
import { baselineConnectRow, connectLatencies } from '../run-lookup.ts'
import { capitalize } from '../text-format.ts'
import { reportSection } from './report-section.ts'

/**
 * The connect section of `results.md`: p50 and p95 of a new connection and its first query, per
 * driver, client and TLS mode, one table per emulated latency, with each row's ratio to the same
 * driver's bare client (the floor of the auth layer) and to plain PostgreSQL (a reference: its
 * own way of accepting a connection costs more than the stand-in's; see {@link baselineConnectRow}).
 *
 * @example
 * ```ts
 * connectSection(run) // '## New connection to first query\n\n...'
 * ```
 */
export function connectSection(run: BenchRun): string {
  const intro =
    `Each sample opens a new connection and runs its first \`select 1\`; p50 and p95 are taken ` +
    `over ${run.settings.connectSamples} samples per repetition. *vs bare*: the p50 divided by ` +
    'that of the same driver alone with a token signed beforehand and the same shared TLS context ' +
    'as the template (the floor of the auth layer); *vs PostgreSQL*: divided by that of the same ' +
    'driver against plain PostgreSQL with a static password, a reference and not a ceiling: ' +
    'PostgreSQL forks a process and runs its own TLS handshake for each new connection, which ' +
    "costs more than the stand-in's way in. Both at the same latency, with the same TLS mode where " +
    'the baseline was measured with it (else its own); below 1.00× is faster.'
  if (run.connect.length === 0)
    return reportSection('New connection to first query', intro, undefined)
  const tables = connectLatencies(run).map((latencyMs) => {
    const rows = run.connect
      .filter((row) => row.latencyMs === latencyMs)
      .sort(
        (a, b) =>
          byOrder(DRIVERS, a.driver, b.driver) ||
          byOrder(CLIENTS, a.client, b.client) ||
          byOrder(TLS_MODES, a.tls, b.tls),
      )
    return `### ${capitalize(latencyLabel(run.target, latencyMs))}\n\n${markdownTable(
      [
        { heading: 'driver' },
        { heading: 'client' },
        { heading: 'TLS' },
        { heading: 'p50', align: 'right' },
        { heading: 'p95', align: 'right' },
        { heading: 'vs bare', align: 'right' },
        { heading: 'vs PostgreSQL', align: 'right' },
      ],
      rows.map((row) => [
        driverLabel(row.driver),
        clientLabel(row.client),
        tlsLabel(row.tls),
        formatSpreadMs(row.p50Ms),
        formatSpreadMs(row.p95Ms),
        row.client === 'bare' ? '—' : formatRatio(row.p50Ms.median, baseline(run, row, 'bare')),
        row.client === 'postgres'
          ? '—'
          : formatRatio(row.p50Ms.median, baseline(run, row, 'postgres')),
      ]),
    )}`
  })
  const charts = [chartImage('connectHeadline', ''), chartImage('connectTls', '')].join('\n\n')
  return reportSection('New connection to first query', intro, [...tables, charts].join('\n\n'))
}

function baseline(
  run: BenchRun,
  row: ConnectResult,
  client: 'bare' | 'postgres',
): number | undefined {
  return baselineConnectRow(run, row, client)?.p50Ms.median
}
