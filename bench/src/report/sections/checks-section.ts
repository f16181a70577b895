import type { BarCheck, BenchRun } from '../../bench-results.ts'
import { byOrder, checkLabel } from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { reportSection } from './report-section.ts'

const CHECK_ORDER: readonly BarCheck['id'][] = [
  'auth-share',
  'pg-vs-official-connect',
  'pg-vs-official-pooled',
  'direct-tls',
  'postgres-js-nodelay',
]

/**
 * The bars section of `results.md`: each performance bar the run was judged against, ✅ or ❌,
 * with the figures it was judged on.
 *
 * @example
 * ```ts
 * checksSection(run) // '## Bars\n\n| | bar | detail |\n...'
 * ```
 */
export function checksSection(run: BenchRun): string {
  const passed = run.checks.filter((check) => check.passed).length
  const intro =
    run.checks.length === 0
      ? 'The performance bars this run is judged against.'
      : `The performance bars this run is judged against: ${passed} of ${run.checks.length} met.`
  const rows = [...run.checks].sort((a, b) => byOrder(CHECK_ORDER, a.id, b.id))
  const body =
    rows.length === 0
      ? undefined
      : markdownTable(
          [{ heading: '' }, { heading: 'bar' }, { heading: 'detail' }],
          rows.map((check) => [
            check.passed ? '✅ met' : '❌ not met',
            checkLabel(check.id),
            check.detail,
          ]),
        )
  return reportSection('Bars', intro, body)
}
