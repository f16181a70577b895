import type { BenchRun } from '../../bench-results.ts'
import { sourceLabel, targetLabel } from '../labels.ts'
import { formatRunDate } from '../text-format.ts'

/**
 * The `run-summary` block: which run the figures of a document come from (when, from which commit
 * and whether it had uncommitted changes, against what, on what machine, which driver versions)
 * and a link to its full results at `resultsLink`.
 *
 * @example
 * ```ts
 * runSummary(run, 'bench/results.md') // 'Figures from the run of 2026-12-01 10:00 UTC at commit ...'
 * ```
 */
export function runSummary(run: BenchRun, resultsLink: string): string {
  const drivers = ['pg', 'postgres', 'kysely']
    .filter((name) => run.versions[name] !== undefined)
    .map((name) => `${name} ${run.versions[name]}`)
    .join(', ')
  const quick = run.quick
    ? ' **This was a quick run: a smoke test of the benchmark, not a measurement.**'
    : ''
  return (
    `Figures from the run of ${formatRunDate(run.date)} at ${sourceLabel(run.source)}, against ` +
    `${targetLabel(run.target)} ` +
    `(${run.machine.cpu}, ${run.machine.cpus} CPUs, ${run.machine.os}; Node.js ${run.node}` +
    `${drivers === '' ? '' : `; ${drivers}`}), ${run.settings.repetitions} repetitions of each ` +
    `workload.${quick} Every figure with its spread: [results](${resultsLink}).`
  )
}
