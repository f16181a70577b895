import type { BenchRun, Driver } from '../../bench-results.ts'
import { latencyPhrase, pooledLatencyPhrase } from '../labels.ts'
import { formatKiB, formatMs, formatOps } from '../number-format.ts'
import {
  baselineConnectRow,
  connectLatencies,
  headlineConcurrency,
  preferredConnectRow,
  queryRow,
} from '../run-lookup.ts'
import { joinWords } from '../text-format.ts'

/**
 * The `pick-<driver>` blocks: one sentence with a driver's own figures from the run, for its
 * "Pick this when…" section: a new connection against its bare driver, pooled point selects,
 * cold start and install size. Figures the run lacks are left out.
 *
 * @example
 * ```ts
 * pickSummary(run, 'pg') // 'Measured: a new connection in 5.71 ms p50 at 0 ms added latency ...'
 * ```
 */
export function pickSummary(run: BenchRun, driver: Driver): string {
  const facts: string[] = []
  const latencyMs = connectLatencies(run)[0]
  const connect =
    latencyMs === undefined ? undefined : preferredConnectRow(run, driver, 'template', latencyMs)
  if (connect !== undefined) {
    const bare = baselineConnectRow(run, connect, 'bare')
    facts.push(
      `a new connection in ${formatMs(connect.p50Ms.median)} p50 ${latencyPhrase(run.target, connect.latencyMs)}` +
        (bare === undefined ? '' : ` (bare driver: ${formatMs(bare.p50Ms.median)})`),
    )
  }
  const concurrency = headlineConcurrency(run)
  const pooled =
    concurrency === undefined
      ? undefined
      : queryRow(run, { driver, client: 'template', workload: 'point-select', concurrency })
  if (pooled !== undefined) {
    const official = driver === 'pg' ? queryRow(run, { ...pooled, client: 'official' }) : undefined
    facts.push(
      `${formatOps(pooled.opsPerSecond.median)} point selects/s with ${pooled.concurrency} in flight ${pooledLatencyPhrase(run.target)}` +
        (official === undefined
          ? ''
          : ` (official connector: ${formatOps(official.opsPerSecond.median)}/s)`),
    )
  }
  const footprint = run.footprint.find((row) => row.driver === driver && row.client === 'template')
  if (footprint !== undefined)
    facts.push(`a cold start of ${formatMs(footprint.coldStartMs.median)}`)
  const feature = run.features.find((row) => row.driver === driver)
  if (feature !== undefined) {
    facts.push(
      `${formatKiB(feature.installKiB)} installed in ${feature.packages} ${feature.packages === 1 ? 'package' : 'packages'}`,
    )
  }
  const quick = run.quick ? ' (a quick run: a smoke test, not a measurement)' : ''
  return facts.length === 0
    ? '_Not measured in this run._'
    : `Measured${quick}: ${joinWords(facts)}.`
}
