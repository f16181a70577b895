import type { TopLevelSpec } from 'vega-lite'
import type { BenchRun, ConnectResult } from '../../bench-results.ts'
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
import { connectLatencies, connectRow } from '../run-lookup.ts'
import { CHART_CONFIG, tlsColors, WHISKER_COLOR } from './chart-style.ts'

/**
 * Direct TLS against SSLRequest: connect p50 of every driver and client measured both ways, at the
 * highest emulated latency (5 ms in a full run), where the SSLRequest's extra round trip shows.
 * `undefined` when no client was measured both ways.
 *
 * @example
 * ```ts
 * const spec = connectTlsChart(run)
 * ```
 */
export function connectTlsChart(run: BenchRun): TopLevelSpec | undefined {
  const latencyMs = connectLatencies(run)
    .reverse()
    .find((latency) => pairsAt(run, latency).length > 0)
  if (latencyMs === undefined) return undefined
  const rows = pairsAt(run, latencyMs)
  const clients = CLIENTS.filter((client) => rows.some((row) => row.client === client)).map(
    clientLabel,
  )
  const drivers = DRIVERS.filter((driver) => rows.some((row) => row.driver === driver)).map(
    driverLabel,
  )
  const colors = tlsColors(TLS_MODES)
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    title: {
      text: `Direct TLS vs SSLRequest, ${latencyLabel(run.target, latencyMs)}`,
      subtitle: [
        'New connection to first query, p50; whiskers: lowest to highest repetition.',
        'SSLRequest asks the server before the TLS handshake: one round trip more. Lower is better.',
      ],
    },
    data: {
      values: rows.map((row) => ({
        driver: driverLabel(row.driver),
        client: clientLabel(row.client),
        tls: tlsLabel(row.tls),
        p50: row.p50Ms.median,
        low: row.p50Ms.min,
        high: row.p50Ms.max,
      })),
    },
    facet: { column: { field: 'driver', type: 'nominal', sort: drivers, title: null } },
    spec: {
      width: 220,
      height: 220,
      encoding: {
        x: {
          field: 'client',
          type: 'nominal',
          sort: clients,
          title: null,
          // Two-word labels on two lines, so that neighbours do not overlap.
          axis: { labelAngle: 0, labelExpr: "split(datum.label, ' ')" },
        },
        xOffset: { field: 'tls', type: 'nominal', sort: colors.domain },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'p50', type: 'quantitative', title: 'p50 (ms)' },
            color: { field: 'tls', type: 'nominal', scale: colors, legend: { title: null } },
          },
        },
        {
          mark: { type: 'rule', color: WHISKER_COLOR },
          encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
        },
      ],
    },
  }
}

/** The rows at `latencyMs` of every driver and client measured with both TLS modes. */
function pairsAt(run: BenchRun, latencyMs: number): ConnectResult[] {
  return run.connect
    .filter((row) => row.latencyMs === latencyMs)
    .filter((row) => TLS_MODES.every((tls) => connectRow(run, { ...row, tls }) !== undefined))
    .sort(
      (a, b) =>
        byOrder(DRIVERS, a.driver, b.driver) ||
        byOrder(CLIENTS, a.client, b.client) ||
        byOrder(TLS_MODES, a.tls, b.tls),
    )
}
