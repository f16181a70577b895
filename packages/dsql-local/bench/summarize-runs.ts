import type { LoadResult } from './run-load.ts'

/** The figures of one measurement. */
export interface RunStats {
  readonly roundTrips: number
  readonly elapsedMs: number
  /** Round trips per second, all clients together. */
  readonly queriesPerSecond: number
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/** Several repetitions of one measurement: the median of each figure, and the spread of q/s. */
export interface CellSummary {
  readonly queriesPerSecond: number
  /** (max - min) / median of the repetitions' q/s. */
  readonly spread: number
  readonly minQueriesPerSecond: number
  readonly maxQueriesPerSecond: number
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/**
 * Reduces one measurement to its figures (percentiles by nearest rank).
 *
 * @example
 * ```ts
 * runStats({ latenciesMs: Float64Array.of(1, 2, 3), elapsedMs: 6 }).queriesPerSecond // 500
 * ```
 */
export function runStats(result: LoadResult): RunStats {
  const sorted = result.latenciesMs.slice().sort()
  const sum = sorted.reduce((total, value) => total + value, 0)
  return {
    roundTrips: sorted.length,
    elapsedMs: result.elapsedMs,
    queriesPerSecond: (sorted.length / result.elapsedMs) * 1000,
    meanMs: sum / sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  }
}

/** Summarises the repetitions of one measurement (at least one). */
export function summarize(runs: readonly RunStats[]): CellSummary {
  const rates = runs.map((run) => run.queriesPerSecond)
  const queriesPerSecond = median(rates)
  return {
    queriesPerSecond,
    spread: (Math.max(...rates) - Math.min(...rates)) / queriesPerSecond,
    minQueriesPerSecond: Math.min(...rates),
    maxQueriesPerSecond: Math.max(...rates),
    meanMs: median(runs.map((run) => run.meanMs)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
  }
}

/** The middle value, or the mean of the two middle values. */
function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort()
  const middle = sorted.length / 2
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
    : (sorted[Math.floor(middle)] as number)
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil(fraction * sorted.length))
  return sorted[rank - 1] as number
}
