import type { ContentionResult } from '../bench-results.ts'
import { formatInteger, formatPercent } from './number-format.ts'

/**
 * How many transactions of some contention rows gave up at their retry helper's last attempt,
 * out of all they ran (committed or given up), in words: `12 of 13,251 (0.09%)`. A share, not a
 * fault count: under deliberate contention a helper with a limit reaches it now and then.
 *
 * @example
 * ```ts
 * gaveUpShare(run.contention.filter((row) => row.client === 'template'))
 * ```
 */
export function gaveUpShare(rows: readonly Pick<ContentionResult, 'commits' | 'gaveUp'>[]): string {
  const gaveUp = rows.reduce((sum, row) => sum + row.gaveUp, 0)
  const transactions = rows.reduce((sum, row) => sum + row.commits + row.gaveUp, 0)
  const percent = transactions === 0 ? Number.NaN : (gaveUp / transactions) * 100
  return `${formatInteger(gaveUp)} of ${formatInteger(transactions)} (${formatPercent(percent)})`
}
