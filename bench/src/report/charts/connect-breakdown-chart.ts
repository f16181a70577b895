import type { TopLevelSpec } from 'vega-lite'
import type { BenchRun, ConnectBreakdown } from '../../bench-results.ts'
import { type BreakdownPart, CONNECTION_PARTS, PROVIDER_PARTS } from '../breakdown-parts.ts'
import { byOrder } from '../labels.ts'
import { formatMs } from '../number-format.ts'
import { CHART_CONFIG } from './chart-style.ts'

/** The two bars of each latency and role. */
const NEW_CONNECTION = 'new connection'
const NEW_PROVIDER = 'first of a new provider'

/**
 * One colour per step: warm colours for the steps a new provider takes once (credentials,
 * signing), cool ones for the steps of every connection, in the order they happen.
 */
const PART_COLORS: Readonly<Record<keyof ConnectBreakdown['parts'], string>> = Object.freeze({
  credentialsMs: '#c05621',
  tokenMs: '#f6ad55',
  cachedTokenMs: '#718096',
  tcpMs: '#90cdf4',
  tlsMs: '#3182ce',
  authMs: '#2c5282',
  sessionMs: '#b794f4',
  firstQueryMs: '#48bb78',
})

const ROLES: readonly ConnectBreakdown['role'][] = ['admin', 'non-admin']

/**
 * Where a new connection's time goes: for each latency and role, two stacked bars, a segment per
 * step. *New connection*: what every new connection of a running program pays (the cached token,
 * TCP, TLS, auth, session, first query). *First of a new provider*: the two steps a
 * new token provider takes once (credentials, signing; in warm colours, marked "once per
 * provider" in the legend) in place of the cached token, then the same steps. `undefined` without
 * breakdown rows.
 *
 * @example
 * ```ts
 * const spec = connectBreakdownChart(run)
 * ```
 */
export function connectBreakdownChart(run: BenchRun): TopLevelSpec | undefined {
  if (run.connectBreakdown.length === 0) return undefined
  const rows = [...run.connectBreakdown].sort(
    (a, b) => a.latencyMs - b.latencyMs || byOrder(ROLES, a.role, b.role),
  )
  const groups = rows.map((row) =>
    run.target === 'cluster' && row.latencyMs === 0
      ? `real network, ${row.role}`
      : `${row.latencyMs} ms, ${row.role}`,
  )
  const afterToken = CONNECTION_PARTS.filter(([key]) => key !== 'cachedTokenMs')
  const steps: readonly BreakdownPart[] = [...PROVIDER_PARTS, ...CONNECTION_PARTS]
  const legend = (part: BreakdownPart) =>
    PROVIDER_PARTS.includes(part) ? `${part[1]} (once per provider)` : part[1]
  const bar = (
    row: ConnectBreakdown,
    group: string | undefined,
    kind: string,
    parts: readonly BreakdownPart[],
    totalMs: number,
  ) =>
    parts.map((part, index) => ({
      group,
      kind,
      part: legend(part),
      step: steps.indexOf(part),
      ms: row.parts[part[0]],
      // The bar's total, written once at its end.
      total: index === parts.length - 1 ? formatMs(totalMs) : '',
      totalMs,
    }))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CHART_CONFIG,
    title: {
      text: "Where a new connection's time goes",
      subtitle: [
        "A pg.Client with the templates' direct TLS; the median of each step over all samples of all repetitions.",
        'New connection: the token cached, as in a running program. First of a new provider: its first',
        'connection, credentials resolved and a token signed (once per provider) instead of the cached token.',
      ],
    },
    data: {
      values: rows.flatMap((row, index) => [
        ...bar(row, groups[index], NEW_CONNECTION, CONNECTION_PARTS, row.totalMs),
        ...bar(
          row,
          groups[index],
          NEW_PROVIDER,
          [...PROVIDER_PARTS, ...afterToken],
          row.coldTotalMs,
        ),
      ]),
    },
    facet: {
      row: {
        field: 'group',
        type: 'nominal',
        sort: groups,
        title: null,
        header: { labelAngle: 0, labelOrient: 'top', labelAlign: 'left', labelAnchor: 'start' },
      },
    },
    spec: {
      width: 520,
      height: { step: 26 },
      encoding: {
        y: {
          field: 'kind',
          type: 'nominal',
          sort: [NEW_CONNECTION, NEW_PROVIDER],
          title: null,
          axis: { labelLimit: 260 },
        },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'time (ms)' },
            color: {
              field: 'part',
              type: 'nominal',
              scale: {
                domain: steps.map(legend),
                range: steps.map(([key]) => PART_COLORS[key]),
              },
              legend: { title: null, orient: 'right', direction: 'vertical' },
            },
            order: { field: 'step', type: 'quantitative' },
          },
        },
        {
          transform: [{ filter: "datum.total !== ''" }],
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
          encoding: {
            x: { field: 'totalMs', type: 'quantitative' },
            text: { field: 'total', type: 'nominal' },
          },
        },
      ],
    },
  }
}
