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
    "new chain: a new credential chain and signer per call (the official connector's pool, at every checkout)",
})

/**
 * The token section of `results.md`: what one call of each token source costs, in µs and as a share
 * of the `pg` template's connect p50, timed in a tight loop of calls: a lower bound, which the
 * connect breakdown completes with the same steps timed inside real connections.
 *
 * @example
 * ```ts
 * tokenSection(run) // '## The token step\n\n...'
 * ```
 */
export function tokenSection(run: BenchRun): string {
  const intro =
    `${formatInteger(run.settings.tokenSamples)} calls of each token source per repetition, one ` +
    'after the other in a tight loop (warm caches, JIT-compiled code), in µs: the lower bound of ' +
    'what obtaining the password adds to a connection. The breakdown above times the same steps ' +
    'inside real connections (*cached token*, *credentials* and *signing*). The share is the p50 ' +
    "against the `pg` template's connect p50 at 0 ms added latency."
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
