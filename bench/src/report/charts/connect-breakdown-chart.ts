import type { TopLevelSpec } from 'vega-lite'
import type { BenchRun } from '../../bench-results.ts'
import { BREAKDOWN_PARTS } from '../sections/connect-breakdown-section.ts'
import { CHART_CONFIG } from './chart-style.ts'

/** One colour per step of a new connection, in the order they happen. */
const PART_COLORS: readonly string[] = [
  '#cbd5e0',
  '#f6ad55',
  '#90cdf4',
  '#3182ce',
  '#2c5282',
  '#b794f4',
  '#48bb78',
]

/**
 * Where a new connection's time goes: one stacked bar per latency and role, a segment per step
 * (credentials, token, TCP, TLS, auth, session, first query). `undefined` without breakdown rows.
 *
 * @example
 * ```ts
 * const spec = connectBreakdownChart(run)
 * ```
 */
export function connectBreakdownChart(run: BenchRun): TopLevelSpec | undefined {
  if (run.connectBreakdown.length === 0) return undefined
  const rows = [...run.connectBreakdown].sort(
    (a, b) => a.latencyMs - b.latencyMs || (a.role === b.role ? 0 : a.role === 'admin' ? -1 : 1),
  )
  const bars = rows.map((row) =>
    run.target === 'cluster' && row.latencyMs === 0
      ? `real network, ${row.role}`
      : `${row.latencyMs} ms, ${row.role}`,
  )
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    title: {
      text: "Where a new connection's time goes",
      subtitle: [
        "One pg.Client through the template's token provider; medians of the last repetition's samples.",
        'One bar per emulated latency per round trip and role.',
      ],
    },
    data: {
      values: rows.flatMap((row, index) =>
        BREAKDOWN_PARTS.map(([key, label], step) => ({
          bar: bars[index],
          part: label,
          step,
          ms: row.parts[key],
        })),
      ),
    },
    width: 560,
    height: { step: 34 },
    mark: 'bar',
    encoding: {
      y: { field: 'bar', type: 'nominal', sort: bars, title: null },
      x: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'time (ms)' },
      color: {
        field: 'part',
        type: 'nominal',
        scale: { domain: BREAKDOWN_PARTS.map(([, label]) => label), range: [...PART_COLORS] },
        legend: { title: null },
      },
      order: { field: 'step', type: 'quantitative' },
    },
  }
}
