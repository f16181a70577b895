import type { TopLevelSpec } from 'vega-lite'
import { CHART_CONFIG } from './chart-style.ts'

/**
 * The chart written in place of one whose data the run did not measure, so that every link to it
 * still shows an image, and the image says why it is empty.
 *
 * @example
 * ```ts
 * const spec = connectTlsChart(run) ?? notMeasuredChart('Direct TLS vs SSLRequest')
 * ```
 */
export function notMeasuredChart(title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { ...CHART_CONFIG, view: { stroke: null } },
    title: { text: title },
    width: 420,
    height: 40,
    data: { values: [{ text: 'Not measured in this run.' }] },
    mark: { type: 'text', fontSize: 14, color: '#4a5568', align: 'left', x: 0, y: 20 },
    encoding: { text: { field: 'text', type: 'nominal' } },
  }
}
