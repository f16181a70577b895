import type { CellSummary } from './summarize-runs.ts'

/** One line of the report: a workload at a number of clients on one target. */
export interface ReportCell {
  readonly workload: string
  readonly clients: number
  readonly target: { readonly id: string; readonly label: string }
  readonly summary: CellSummary
}

/** How the figures were taken, for the report's heading. */
export interface ReportSettings {
  readonly cpus: number
  /** The 1-minute load average before the run (others' work) and after it (with its own). */
  readonly loadAverage1m: { readonly atStart: number; readonly atEnd: number }
  readonly repetitions: number
  readonly warmupMs: number
  readonly durationMs: number
}

/**
 * The readable report: one table per workload and number of clients, each target against the
 * ceiling target (`ceilingId`), then the added latency per round trip at one client.
 *
 * @example
 * ```ts
 * process.stdout.write(formatReport(cells, settings, 'c'))
 * ```
 */
export function formatReport(
  cells: readonly ReportCell[],
  settings: ReportSettings,
  ceilingId: string,
): string {
  const load = settings.loadAverage1m
  const lines = [
    `Relay throughput: ${settings.cpus} CPUs, ${settings.repetitions} repetitions of ` +
      `${seconds(settings.durationMs)} after ${seconds(settings.warmupMs)} of warm-up.`,
    'Figures are medians of the repetitions; spread = (max - min) / median of q/s.',
    `Load average (1 min): ${load.atStart.toFixed(2)} before the run, ` +
      `${load.atEnd.toFixed(2)} after it (its own load included).`,
  ]
  if (load.atStart > settings.cpus / 2) {
    lines.push(
      'Warning: the machine was busy before the run (load above half the CPUs); figures will vary.',
    )
  }
  const groups = Map.groupBy(cells, (cell) => `${cell.workload}, ${clientsText(cell.clients)}`)
  for (const [title, group] of groups) {
    const ceiling = group.find((cell) => cell.target.id === ceilingId)?.summary
    const rows = group.map((cell) => {
      const s = cell.summary
      return [
        `(${cell.target.id}) ${cell.target.label}`,
        Math.round(s.queriesPerSecond).toLocaleString('en-US'),
        `${(s.spread * 100).toFixed(1)}%`,
        s.meanMs.toFixed(3),
        s.p50Ms.toFixed(3),
        s.p99Ms.toFixed(3),
        ceiling ? `${(s.queriesPerSecond / ceiling.queriesPerSecond).toFixed(2)}x` : '',
        ceiling ? signed(s.meanMs - ceiling.meanMs) : '',
      ]
    })
    const header = ['target', 'q/s', 'spread', 'mean ms', 'p50 ms', 'p99 ms']
    header.push(`q/s / (${ceilingId})`, `mean - (${ceilingId}) ms`)
    lines.push('', title, ...table([header, ...rows]))
  }

  lines.push('', `Added latency per round trip at 1 client (mean and p50, minus (${ceilingId})):`)
  for (const cell of cells) {
    if (cell.clients !== 1 || cell.target.id === ceilingId) continue
    const ceiling = cells.find(
      (other) =>
        other.clients === 1 && other.workload === cell.workload && other.target.id === ceilingId,
    )?.summary
    if (ceiling === undefined) continue
    lines.push(
      `  ${cell.workload}, (${cell.target.id}) - (${ceilingId}): ` +
        `${signed(cell.summary.meanMs - ceiling.meanMs)} ms mean, ` +
        `${signed(cell.summary.p50Ms - ceiling.p50Ms)} ms p50`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** Aligns columns: the first to the left, the others to the right. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  )
  return rows.map(
    (row) =>
      `  ${row
        .map((text, column) =>
          column === 0 ? text.padEnd(widths?.[column] ?? 0) : text.padStart(widths?.[column] ?? 0),
        )
        .join('  ')}`,
  )
}

const seconds = (ms: number) => `${ms / 1000} s`
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`
const clientsText = (clients: number) =>
  `${clients} ${clients === 1 ? 'client' : 'concurrent clients'}`
