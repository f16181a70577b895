import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { ReportError } from '../report-error.ts'

/**
 * Renders a Vega-Lite specification to SVG in Node, without a browser or a canvas: compiled to
 * Vega, run in a headless `View`, serialised, and the view finalized. The same specification
 * always gives the same bytes (the SVG ids for clip paths and gradients are reset first), so a test
 * can tell whether committed charts are up to date.
 *
 * Any warning from Vega-Lite or Vega is an error: it means the specification is wrong (a channel
 * dropped, a field misspelled), and a chart would silently show less than it claims.
 *
 * @example
 * ```ts
 * const svg = await renderChartSvg({
 *   data: { values: [{ driver: 'pg', ms: 5.7 }] },
 *   mark: 'bar',
 *   encoding: { x: { field: 'driver' }, y: { field: 'ms', type: 'quantitative' } },
 * })
 * ```
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const problems: string[] = []
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
    problems.push(`${level} ${args.map(String).join(' ')}`)
  })
  const title = chartTitle(spec)
  let view: vega.View | undefined
  try {
    const compiled = compile(spec, { logger }).spec
    view = new vega.View(vega.parse(compiled), { renderer: 'none', logger })
    vega.resetSVGDefIds()
    const svg = await view.toSVG()
    if (problems.length > 0) throw new Error(problems.join('\n'))
    return svg
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'a non-Error was thrown'
    throw new ReportError('CHART_INVALID', `chart "${title}" could not be rendered: ${reason}`, {
      cause: error,
    })
  } finally {
    view?.finalize()
  }
}

function chartTitle(spec: TopLevelSpec): string {
  const { title } = spec
  if (typeof title === 'string') return title
  if (title !== undefined && typeof title === 'object' && 'text' in title) return String(title.text)
  return 'untitled'
}
