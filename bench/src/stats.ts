import type { Spread } from './bench-results.ts'

/**
 * The nearest-rank percentile of values sorted ascending (`p` in 0..100); `NaN` when empty.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 50) // 2
 * ```
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ] as number
}

/**
 * Values sorted ascending, as a new array (the input is left as it is).
 *
 * @example
 * ```ts
 * percentile(sorted(latencies), 99)
 * ```
 */
export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

/**
 * The median, lowest and highest of one figure's repetitions, rounded to `digits` decimals.
 *
 * @example
 * ```ts
 * spread([5.1, 4.9, 5.3]) // { median: 5.1, min: 4.9, max: 5.3, runs: [5.1, 4.9, 5.3] }
 * ```
 */
export function spread(runs: readonly number[], digits = 2): Spread {
  if (runs.length === 0) throw new RangeError('spread() needs at least one repetition')
  const round = (value: number) => Number(value.toFixed(digits))
  const ordered = sorted(runs)
  const middle = ordered.length / 2
  const median = Number.isInteger(middle)
    ? ((ordered[middle - 1] as number) + (ordered[middle] as number)) / 2
    : (ordered[Math.floor(middle)] as number)
  return Object.freeze({
    median: round(median),
    min: round(ordered[0] as number),
    max: round(ordered[ordered.length - 1] as number),
    runs: Object.freeze(runs.map(round)),
  })
}
