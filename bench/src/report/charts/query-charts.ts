import type { TopLevelSpec } from 'vega-lite'
import type { BenchRun, QueryResult, Spread } from '../../bench-results.ts'
import {
  byOrder,
  CLIENTS,
  clientLabel,
  DRIVERS,
  driverLabel,
  pooledLatencyPhrase,
  WORKLOADS,
  workloadLabel,
} from '../labels.ts'
import { capitalize } from '../text-format.ts'
import { CHART_CONFIG, clientColors, WHISKER_COLOR } from './chart-style.ts'

/** What a query chart plots of each row, and how it is described. */
interface QueryFigure {
  readonly title: string
  /** What is plotted; the first line of the subtitle, with where it ran and `better`. */
  readonly what: string
  /** Which way is better. */
  readonly better: string
  readonly axisTitle: string
  readonly value: (row: QueryResult) => Spread
}

const THROUGHPUT: QueryFigure = {
  title: 'Pooled throughput by callers in flight',
  what: 'Operations per second through one warm pool',
  better: 'higher is better',
  axisTitle: 'operations per second',
  value: (row) => row.opsPerSecond,
}

const P99: QueryFigure = {
  title: 'Pooled query latency, p99, by callers in flight',
  what: 'The slowest 1% of operations through one warm pool',
  better: 'lower is better',
  axisTitle: 'p99 (ms)',
  value: (row) => row.p99Ms,
}

/**
 * Pooled throughput by callers in flight: one row of panels per workload, one panel per driver, a
 * line per client (template, official connector, plain PostgreSQL), whiskers from the lowest to
 * the highest repetition. `undefined` when the run has no query rows.
 *
 * @example
 * ```ts
 * const spec = queriesThroughputChart(run)
 * ```
 */
export function queriesThroughputChart(run: BenchRun): TopLevelSpec | undefined {
  return queryChart(run, THROUGHPUT)
}

/**
 * Query latency p99 by callers in flight, laid out like {@link queriesThroughputChart}.
 *
 * @example
 * ```ts
 * const spec = queriesP99Chart(run)
 * ```
 */
export function queriesP99Chart(run: BenchRun): TopLevelSpec | undefined {
  return queryChart(run, P99)
}

function queryChart(run: BenchRun, figure: QueryFigure): TopLevelSpec | undefined {
  if (run.queries.length === 0) return undefined
  const colors = clientColors(run.queries.map((row) => row.client))
  const drivers = DRIVERS.filter((driver) => run.queries.some((row) => row.driver === driver)).map(
    driverLabel,
  )
  const concurrencies = [...new Set(run.queries.map((row) => row.concurrency))]
    .sort((a, b) => a - b)
    .map(String)
  const workloads = WORKLOADS.filter((workload) =>
    run.queries.some((row) => row.workload === workload),
  )
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    title: {
      text: figure.title,
      subtitle: [
        `${figure.what}, ${pooledLatencyPhrase(run.target)}; ${figure.better}.`,
        ...(run.queries.some((row) => row.client === 'postgres')
          ? [
              'Plain PostgreSQL: the ceiling, with neither IAM authentication nor the stand-in in the way.',
            ]
          : []),
        `Median of ${run.settings.repetitions} repetitions; whiskers: lowest to highest repetition.`,
      ],
    },
    vconcat: workloads.map((workload) => ({
      title: { text: capitalize(workloadLabel(workload)), fontSize: 14, anchor: 'start' as const },
      data: {
        values: run.queries
          .filter((row) => row.workload === workload)
          .sort(
            (a, b) =>
              byOrder(DRIVERS, a.driver, b.driver) ||
              byOrder(CLIENTS, a.client, b.client) ||
              a.concurrency - b.concurrency,
          )
          .map((row) => {
            const value = figure.value(row)
            return {
              driver: driverLabel(row.driver),
              client: clientLabel(row.client),
              inFlight: String(row.concurrency),
              median: value.median,
              low: value.min,
              high: value.max,
            }
          }),
      },
      facet: { column: { field: 'driver', type: 'nominal' as const, sort: drivers, title: null } },
      spec: {
        width: 220,
        height: 180,
        encoding: {
          x: {
            field: 'inFlight',
            type: 'ordinal' as const,
            sort: concurrencies,
            title: 'callers in flight',
            axis: { labelAngle: 0 },
          },
          color: {
            field: 'client',
            type: 'nominal' as const,
            scale: colors,
            legend: { title: null },
          },
        },
        layer: [
          {
            mark: { type: 'line' as const, point: true },
            encoding: {
              y: { field: 'median', type: 'quantitative' as const, title: figure.axisTitle },
            },
          },
          {
            mark: { type: 'rule' as const, color: WHISKER_COLOR },
            encoding: { y: { field: 'low', type: 'quantitative' as const }, y2: { field: 'high' } },
          },
        ],
      },
    })),
  }
}
