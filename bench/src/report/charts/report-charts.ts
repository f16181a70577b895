import type { TopLevelSpec } from 'vega-lite'
import type { BenchRun } from '../../bench-results.ts'
import { CHART_FILES, type ChartName } from '../chart-files.ts'
import { connectBreakdownChart } from './connect-breakdown-chart.ts'
import { connectHeadlineChart } from './connect-headline-chart.ts'
import { connectTlsChart } from './connect-tls-chart.ts'
import { contentionChart } from './contention-chart.ts'
import { notMeasuredChart } from './not-measured-chart.ts'
import { queriesP99Chart, queriesThroughputChart } from './query-charts.ts'
import { renderChartSvg } from './render-chart-svg.ts'

const SPECS: Readonly<Record<ChartName, (run: BenchRun) => TopLevelSpec | undefined>> = {
  connectHeadline: connectHeadlineChart,
  connectTls: connectTlsChart,
  queriesThroughput: queriesThroughputChart,
  queriesP99: queriesP99Chart,
  connectBreakdown: connectBreakdownChart,
  contention: contentionChart,
}

/** One rendered chart: the file name it is written to (`connect-p50.svg`) and its SVG. */
export interface RenderedChart {
  readonly file: string
  readonly svg: string
}

/**
 * Every chart of {@link CHART_FILES} rendered from a run, in a fixed order; a chart whose data the
 * run lacks is rendered as a "not measured" image. One chart at a time, so that the SVG ids each
 * render resets stay its own.
 *
 * @example
 * ```ts
 * for (const chart of await renderCharts(run)) await writeFile(join(outDir, chart.file), chart.svg)
 * ```
 */
export async function renderCharts(run: BenchRun): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = []
  for (const name of Object.keys(CHART_FILES) as ChartName[]) {
    const { file, title } = CHART_FILES[name]
    const spec = SPECS[name](run) ?? notMeasuredChart(title)
    charts.push({ file, svg: await renderChartSvg(spec) })
  }
  return charts
}
