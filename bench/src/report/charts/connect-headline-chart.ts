import type { TopLevelSpec } from 'vega-lite'
import type { BenchRun, ConnectResult } from '../../bench-results.ts'
import { CLIENTS, clientLabel, DRIVERS, driverLabel, latencyLabel } from '../labels.ts'
import { connectLatencies, preferredConnectRow } from '../run-lookup.ts'
import { capitalize } from '../text-format.ts'
import { CHART_CONFIG, clientColors, WHISKER_COLOR } from './chart-style.ts'

/**
 * The headline chart: connect p50 per driver, the template beside the official connector, the bare
 * driver and plain PostgreSQL, one panel per emulated latency, whiskers from the lowest to the
 * highest repetition. Each client is shown as it connects by default (direct TLS where measured;
 * the official connector with SSLRequest). `undefined` when the run has no connect rows.
 *
 * @example
 * ```ts
 * const spec = connectHeadlineChart(run)
 * if (spec) await renderChartSvg(spec)
 * ```
 */
export function connectHeadlineChart(run: BenchRun): TopLevelSpec | undefined {
  const latencies = connectLatencies(run)
  const rows = latencies.flatMap((latencyMs) =>
    DRIVERS.flatMap((driver) =>
      CLIENTS.flatMap((client) => {
        const row = preferredConnectRow(run, driver, client, latencyMs)
        return row === undefined ? [] : [row]
      }),
    ),
  )
  if (rows.length === 0) return undefined
  const panels = latencies.map((latencyMs) => latencyLabel(run.target, latencyMs))
  const colors = clientColors(rows.map((row) => row.client))
  const drivers = DRIVERS.filter((driver) => rows.some((row) => row.driver === driver)).map(
    driverLabel,
  )
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    title: {
      text: 'New connection to first query, p50',
      subtitle: [
        `Median of ${run.settings.repetitions} repetitions of ${run.settings.connectSamples} connections; whiskers: lowest to highest repetition.`,
        `${tlsNote(rows)} Lower is better.`,
        ...baselineNote(rows),
      ],
    },
    data: {
      values: rows.map((row) => ({
        panel: latencyLabel(run.target, row.latencyMs),
        driver: driverLabel(row.driver),
        client: clientLabel(row.client),
        p50: row.p50Ms.median,
        low: row.p50Ms.min,
        high: row.p50Ms.max,
      })),
    },
    facet: {
      column: { field: 'panel', type: 'ordinal', sort: panels, title: null },
    },
    spec: {
      width: 320,
      height: 240,
      encoding: {
        x: {
          field: 'driver',
          type: 'nominal',
          sort: drivers,
          title: null,
          axis: { labelAngle: 0, labelFontSize: 12 },
        },
        xOffset: { field: 'client', type: 'nominal', sort: colors.domain },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'p50', type: 'quantitative', title: 'p50 (ms)' },
            color: {
              field: 'client',
              type: 'nominal',
              scale: colors,
              legend: { title: null },
            },
          },
        },
        {
          mark: { type: 'rule', color: WHISKER_COLOR },
          encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  }
}

/** Which clients the chart shows with SSLRequest (the others connect with direct TLS). */
function tlsNote(rows: readonly ConnectResult[]): string {
  const sslRequest = CLIENTS.filter((client) =>
    rows.some((row) => row.client === client && row.tls === 'sslrequest'),
  ).map(clientLabel)
  if (sslRequest.length === 0) return 'All with direct TLS.'
  return `Direct TLS where measured; SSLRequest: ${sslRequest.join(', ')}.`
}

/** What the baselines the chart shows stand for: a floor, and a reference that is no ceiling. */
function baselineNote(rows: readonly ConnectResult[]): string[] {
  const notes = [
    rows.some((row) => row.client === 'bare')
      ? 'bare driver: token signed beforehand, the floor of the auth layer'
      : undefined,
    rows.some((row) => row.client === 'postgres')
      ? 'plain PostgreSQL: a reference, not a ceiling (a process and its own TLS per connection)'
      : undefined,
  ].filter((note) => note !== undefined)
  return notes.length === 0 ? [] : [`${capitalize(notes.join('; '))}.`]
}
