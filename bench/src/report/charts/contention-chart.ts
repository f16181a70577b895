import type { TopLevelSpec } from 'vega-lite'
import type { BenchRun } from '../../bench-results.ts'
import {
  byOrder,
  CLIENTS,
  clientLabel,
  DRIVERS,
  driverLabel,
  pooledLatencyPhrase,
} from '../labels.ts'
import { OFFICIAL_CONNECTOR_RETRY, retryPolicyBrief, TEMPLATE_RETRY } from '../retry-policies.ts'
import { capitalize } from '../text-format.ts'
import { CHART_CONFIG, clientColors, WHISKER_COLOR } from './chart-style.ts'

/**
 * Read-modify-write under contention, per driver and client, each client's conflicts retried by
 * its own retry policy (see `retry-policies.ts`): attempts per commit (1 is no retry) beside
 * commits per second with whiskers from the lowest to the highest repetition. `undefined` without
 * contention rows.
 *
 * @example
 * ```ts
 * const spec = contentionChart(run)
 * ```
 */
export function contentionChart(run: BenchRun): TopLevelSpec | undefined {
  if (run.contention.length === 0) return undefined
  const rows = [...run.contention].sort(
    (a, b) => byOrder(DRIVERS, a.driver, b.driver) || byOrder(CLIENTS, a.client, b.client),
  )
  const colors = clientColors(rows.map((row) => row.client))
  const drivers = DRIVERS.filter((driver) => rows.some((row) => row.driver === driver)).map(
    driverLabel,
  )
  const { workers, rows: sharedRows } = run.settings.contention
  const x = {
    field: 'driver',
    type: 'nominal' as const,
    sort: drivers,
    title: null,
    axis: { labelAngle: 0, labelFontSize: 12 },
  }
  const xOffset = { field: 'client', type: 'nominal' as const, sort: colors.domain }
  const color = {
    field: 'client',
    type: 'nominal' as const,
    scale: colors,
    legend: { title: null },
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    title: {
      text: `Read-modify-write under contention: ${workers} workers on ${sharedRows} rows`,
      subtitle: [
        'Conflicts (SQLSTATE 40001) are retried by two retry policies: the templates by withRetry of dsql-auth',
        `(${retryPolicyBrief(TEMPLATE_RETRY)}), the official connector by its pool.transaction() (${retryPolicyBrief(OFFICIAL_CONNECTOR_RETRY)}).`,
        `${capitalize(pooledLatencyPhrase(run.target))}; median of ${run.settings.repetitions} repetitions; whiskers: lowest to highest repetition.`,
      ],
    },
    data: {
      values: rows.map((row) => ({
        driver: driverLabel(row.driver),
        client: clientLabel(row.client),
        attempts: row.attemptsPerCommit,
        commits: row.commitsPerSecond.median,
        low: row.commitsPerSecond.min,
        high: row.commitsPerSecond.max,
      })),
    },
    hconcat: [
      {
        width: 240,
        height: 220,
        title: { text: 'Attempts per commit (lower is better)', fontSize: 13 },
        mark: 'bar',
        encoding: {
          x,
          xOffset,
          y: { field: 'attempts', type: 'quantitative', title: 'attempts per commit' },
          color,
        },
      },
      {
        width: 240,
        height: 220,
        title: { text: 'Commits per second (higher is better)', fontSize: 13 },
        layer: [
          {
            mark: 'bar',
            encoding: {
              x,
              xOffset,
              y: { field: 'commits', type: 'quantitative', title: 'commits per second' },
              color,
            },
          },
          {
            mark: { type: 'rule', color: WHISKER_COLOR },
            encoding: {
              x,
              xOffset,
              y: { field: 'low', type: 'quantitative' },
              y2: { field: 'high' },
            },
          },
        ],
      },
    ],
  }
}
