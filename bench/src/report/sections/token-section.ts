import type { BenchRun, TokenResult } from '../../bench-results.ts'
import { byOrder } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatInteger, formatPercent, formatSpreadUs } from '../number-format.ts'
import { reportSection } from './report-section.ts'

const METHODS: readonly TokenResult['method'][] = ['cached', 'signed', 'new-chain']

const METHOD_LABELS: Readonly<Record<TokenResult['method'], string>> = Object.freeze({
  cached: "cached: the template's provider, token in its cache",
  signed: 'signed: a fresh signature, credentials already resolved',
  'new-chain':
    'new chain: a new signer and credential chain per connection (the official connector)',
})

/**
 * The token section of `results.md`: what obtaining the password costs one new connection, by
 * method, in µs and as a share of the `pg` template's connect p50.
 *
 * @example
 * ```ts
 * tokenSection(run) // '## The token step\n\n...'
 * ```
 */
export function tokenSection(run: BenchRun): string {
  const intro =
    `${formatInteger(run.settings.tokenSamples)} token acquisitions per repetition, in ` +
    "µs; the share is the p50 against the `pg` template's connect p50 at 0 ms."
  const rows = [...run.token].sort((a, b) => byOrder(METHODS, a.method, b.method))
  const body =
    rows.length === 0
      ? undefined
      : markdownTable(
          [
            { heading: 'method' },
            { heading: 'p50', align: 'right' },
            { heading: 'p99', align: 'right' },
            { heading: 'share of a connect', align: 'right' },
          ],
          rows.map((row) => [
            METHOD_LABELS[row.method],
            formatSpreadUs(row.p50Us),
            formatSpreadUs(row.p99Us),
            formatPercent(row.shareOfConnectPercent),
          ]),
        )
  return reportSection('The token step', intro, body)
}
