import { describe, expect, it } from 'vitest'
import { CHART_FILES } from '../src/report/chart-files.ts'
import { connectBreakdownChart } from '../src/report/charts/connect-breakdown-chart.ts'
import { connectHeadlineChart } from '../src/report/charts/connect-headline-chart.ts'
import { renderChartSvg } from '../src/report/charts/render-chart-svg.ts'
import { renderCharts } from '../src/report/charts/report-charts.ts'
import { ReportError } from '../src/report/report-error.ts'
import { FIXTURE_RUN } from './fixtures/fixture-run.ts'
import { EMPTY_QUICK_FIXTURE_RUN } from './fixtures/fixture-variants.ts'

/**
 * Whether `svg` is one well-formed `<svg>` element: every tag closed in order. Enough to catch a
 * truncated or interleaved file; the charts are also viewed as images when they change.
 */
function wellFormed(svg: string): boolean {
  const open: string[] = []
  for (const [tag, closing, name, selfClosing] of svg.matchAll(
    /<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g,
  )) {
    if (tag.startsWith('<?')) continue
    if (closing === '/') {
      if (open.pop() !== name) return false
    } else if (selfClosing !== '/') {
      open.push(name as string)
    }
  }
  return open.length === 0
}

/** The texts of the SVG's `<text>` elements. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1] as string)
}

describe('charts', () => {
  it('renders every chart as valid SVG, one file each', async () => {
    const charts = await renderCharts(FIXTURE_RUN)
    expect(charts.map((chart) => chart.file)).toEqual(
      Object.values(CHART_FILES).map((chart) => chart.file),
    )
    for (const chart of charts) {
      expect(chart.svg, chart.file).toMatch(
        /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="\d+" height="\d+"/,
      )
      expect(chart.svg.trimEnd().endsWith('</svg>'), chart.file).toBe(true)
      expect(wellFormed(chart.svg), chart.file).toBe(true)
      expect(chart.svg, chart.file).not.toContain('NaN')
      expect(wellFormed(chart.svg.slice(0, chart.svg.lastIndexOf('</g>'))), chart.file).toBe(false)
    }
  })

  it('is deterministic: the same run gives byte-identical SVGs, whatever was rendered before', async () => {
    const first = await renderCharts(FIXTURE_RUN)
    await renderCharts(EMPTY_QUICK_FIXTURE_RUN)
    const second = await renderCharts(structuredClone(FIXTURE_RUN))
    expect(second).toEqual(first)
  })

  it('names the drivers, the clients, and gives titles and axis units', async () => {
    const charts = new Map(
      (await renderCharts(FIXTURE_RUN)).map((chart) => [chart.file, texts(chart.svg)]),
    )
    for (const file of [
      'connect-p50.svg',
      'connect-tls.svg',
      'queries-throughput.svg',
      'queries-p99.svg',
      'contention.svg',
    ]) {
      expect(charts.get(file), file).toEqual(
        expect.arrayContaining(['pg', 'postgres.js', 'Kysely']),
      )
    }
    expect(charts.get('connect-p50.svg')).toEqual(
      expect.arrayContaining([
        'New connection to first query, p50',
        '0 ms added latency',
        '5 ms added latency',
        'p50 (ms)',
        'template',
        'official connector',
        'bare driver',
        'plain PostgreSQL',
      ]),
    )
    expect(charts.get('connect-tls.svg')).toEqual(
      expect.arrayContaining([
        'Direct TLS vs SSLRequest, 5 ms added latency',
        'direct TLS',
        'SSLRequest',
      ]),
    )
    expect(charts.get('queries-throughput.svg')).toEqual(
      expect.arrayContaining([
        'Point select',
        'Insert transaction',
        'operations per second',
        'callers in flight',
      ]),
    )
    expect(charts.get('queries-p99.svg')).toEqual(expect.arrayContaining(['p99 (ms)']))
    expect(charts.get('connect-breakdown.svg')).toEqual(
      expect.arrayContaining([
        'time (ms)',
        'cached token',
        'TLS',
        'auth',
        'first query',
        'credentials (once per provider)',
        'signing (once per provider)',
        '5 ms, admin',
        'new connection',
        'first of a new provider',
        // Each bar's total at its end: 0 ms, admin.
        '5.66 ms',
        '6.37 ms',
      ]),
    )
    expect(charts.get('contention.svg')).toEqual(
      expect.arrayContaining(['attempts per commit', 'commits per second']),
    )
  })

  it('gives each client the same colour in every chart', async () => {
    const charts = await renderCharts(FIXTURE_RUN)
    const official = '#dd6b20'
    for (const file of ['connect-p50.svg', 'queries-throughput.svg', 'contention.svg']) {
      expect(charts.find((chart) => chart.file === file)?.svg, file).toContain(official)
    }
  })

  it('draws whiskers from the lowest to the highest repetition on the headline chart', () => {
    const spec = connectHeadlineChart(FIXTURE_RUN)
    if (spec?.data === undefined || spec.data === null || !('values' in spec.data)) {
      throw new Error('the headline chart should carry its rows as inline values')
    }
    const values = spec.data.values as { client: string; panel: string }[]
    expect(values).toContainEqual({
      panel: '0 ms added latency',
      driver: 'pg',
      client: 'template',
      p50: 5.71,
      low: 5.6,
      high: 5.88,
    })
    // Plain PostgreSQL was measured at 0 ms only.
    expect(
      values.filter((value) => value.client === 'plain PostgreSQL').map((value) => value.panel),
    ).toEqual(['0 ms added latency', '0 ms added latency', '0 ms added latency'])
  })

  it('stacks the steps of every connection in one bar, and those of a new provider in another', () => {
    const spec = connectBreakdownChart(FIXTURE_RUN)
    if (spec?.data === undefined || spec.data === null || !('values' in spec.data)) {
      throw new Error('the breakdown chart should carry its rows as inline values')
    }
    const values = spec.data.values as { group: string; kind: string; part: string; ms: number }[]
    const bar = (kind: string) =>
      values
        .filter((value) => value.group === '0 ms, admin' && value.kind === kind)
        .map((value) => value.part)
    expect(bar('new connection')).toEqual([
      'cached token',
      'TCP',
      'TLS',
      'auth',
      'session',
      'first query',
    ])
    expect(bar('first of a new provider')).toEqual([
      'credentials (once per provider)',
      'signing (once per provider)',
      'TCP',
      'TLS',
      'auth',
      'session',
      'first query',
    ])
  })

  it('writes a "not measured" image for a chart whose rows the run lacks', async () => {
    for (const chart of await renderCharts(EMPTY_QUICK_FIXTURE_RUN)) {
      expect(texts(chart.svg), chart.file).toContain('Not measured in this run.')
      expect(wellFormed(chart.svg), chart.file).toBe(true)
    }
  })

  it('refuses a specification that Vega-Lite finds fault with, naming the chart', async () => {
    const rendering = renderChartSvg({
      title: 'broken',
      data: { values: [{ a: 1 }] },
      mark: 'bar',
      // A type Vega-Lite does not know: it warns and drops the channel.
      encoding: { x: { field: 'a', type: 'nonsense' as 'nominal' } },
    })
    await expect(rendering).rejects.toThrow(ReportError)
    await expect(rendering).rejects.toMatchObject({
      code: 'CHART_INVALID',
      message: expect.stringContaining('"broken"'),
    })
  })
})
