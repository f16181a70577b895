/**
 * The charts of a report: the file each is written to (next to `results.md`, so `docs/bench/` for
 * the committed run) and the title that also serves as its image's alternative text. Every run
 * writes all of them; a chart without data says so in the image.
 *
 * @example
 * ```ts
 * `![${CHART_FILES.connectHeadline.title}](bench/${CHART_FILES.connectHeadline.file})`
 * ```
 */
export const CHART_FILES = Object.freeze({
  connectHeadline: Object.freeze({
    file: 'connect-p50.svg',
    title:
      'New connection to first query, p50: template, official connector, bare driver, plain PostgreSQL',
  }),
  connectTls: Object.freeze({
    file: 'connect-tls.svg',
    title: 'New connection to first query, p50: direct TLS vs SSLRequest',
  }),
  queriesThroughput: Object.freeze({
    file: 'queries-throughput.svg',
    title: 'Pooled throughput by callers in flight',
  }),
  queriesP99: Object.freeze({
    file: 'queries-p99.svg',
    title: 'Pooled query latency p99 by callers in flight',
  }),
  connectBreakdown: Object.freeze({
    file: 'connect-breakdown.svg',
    title: "Where a new connection's time goes",
  }),
  contention: Object.freeze({
    file: 'contention.svg',
    title: 'Read-modify-write under contention: attempts per commit and commits per second',
  }),
})

/** The name of one chart of {@link CHART_FILES}. */
export type ChartName = keyof typeof CHART_FILES

/**
 * A Markdown image of one chart, its path under `prefix` (`''` next to `results.md`, `bench/` from
 * `docs/`, `docs/bench/` from the repository root).
 *
 * @example
 * ```ts
 * chartImage('contention', 'docs/bench/') // '![Read-modify-write ...](docs/bench/contention.svg)'
 * ```
 */
export function chartImage(name: ChartName, prefix: string): string {
  const chart = CHART_FILES[name]
  return `![${chart.title}](${prefix}${chart.file})`
}
