import type { Config } from 'vega-lite'
import type { ClientKind, TlsMode } from '../../bench-results.ts'
import { CLIENTS, clientLabel, TLS_MODES, tlsLabel } from '../labels.ts'

/**
 * The look shared by every chart: one colour per client and per TLS mode, the same in every chart
 * (drivers are told apart by axis and panel), and one configuration for fonts, sizes and background.
 * @module
 */

const CLIENT_COLORS: Readonly<Record<ClientKind, string>> = Object.freeze({
  template: '#2b6cb0',
  official: '#dd6b20',
  bare: '#a0aec0',
  postgres: '#38a169',
})

const TLS_COLORS: Readonly<Record<TlsMode, string>> = Object.freeze({
  direct: '#2b6cb0',
  sslrequest: '#90cdf4',
})

/** A colour scale: the labels present in a chart, in report order, and their colours. */
export interface ColorScale {
  readonly domain: string[]
  readonly range: string[]
}

function scaleOf<T extends string>(
  order: readonly T[],
  present: Iterable<T>,
  label: (key: T) => string,
  colors: Readonly<Record<T, string>>,
): ColorScale {
  const keys = new Set(present)
  const shown = order.filter((key) => keys.has(key))
  return { domain: shown.map(label), range: shown.map((key) => colors[key]) }
}

/**
 * The colour scale of the clients a chart shows.
 *
 * @example
 * ```ts
 * clientColors(rows.map((row) => row.client))
 * ```
 */
export function clientColors(present: Iterable<ClientKind>): ColorScale {
  return scaleOf(CLIENTS, present, clientLabel, CLIENT_COLORS)
}

/**
 * The colour scale of the TLS modes a chart shows.
 *
 * @example
 * ```ts
 * tlsColors(['direct', 'sslrequest']).domain // ['direct TLS', 'SSLRequest']
 * ```
 */
export function tlsColors(present: Iterable<TlsMode>): ColorScale {
  return scaleOf(TLS_MODES, present, tlsLabel, TLS_COLORS)
}

/**
 * The colour of the whiskers that span the lowest to the highest repetition.
 *
 * @example
 * ```ts
 * { mark: { type: 'rule', color: WHISKER_COLOR } }
 * ```
 */
export const WHISKER_COLOR = '#1a202c'

/**
 * Fonts, sizes and a white background for every chart (the SVGs are shown on light and dark pages).
 *
 * @example
 * ```ts
 * const spec: TopLevelSpec = { config: CHART_CONFIG, ... }
 * ```
 */
export const CHART_CONFIG: Config = {
  background: 'white',
  padding: 12,
  font: 'Helvetica, Arial, sans-serif',
  title: {
    fontSize: 15,
    subtitleFontSize: 12,
    subtitleColor: '#4a5568',
    anchor: 'start',
    offset: 12,
  },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#edf2f7' },
  header: { labelFontSize: 13, labelFontWeight: 'bold', titleFontSize: 12 },
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    labelLimit: 400,
    orient: 'bottom',
    direction: 'horizontal',
  },
  view: { stroke: '#e2e8f0' },
}
