import type { Spread } from '../bench-results.ts'

/**
 * How every number in the report is written, so that a figure reads the same in `results.md`, in
 * the docs' generated blocks and in a finding. Not-a-number (a figure that is missing) is `—`.
 * @module
 */

const MISSING = '—'

/**
 * A time or share with two decimals below 10 and one from 10 on, thousands separated: `5.71`,
 * `25.8`, `2,410.0`. A positive value too small for two decimals keeps one significant digit
 * (`0.003`), so that it does not read as nothing.
 *
 * @example
 * ```ts
 * formatDecimal(5.714) // '5.71'
 * formatDecimal(25.84) // '25.8'
 * formatDecimal(0.0031) // '0.003'
 * ```
 */
export function formatDecimal(value: number): string {
  if (!Number.isFinite(value)) return MISSING
  if (value > 0 && value < 0.005) return value.toPrecision(1)
  const text = value.toFixed(Math.abs(value) < 10 ? 2 : 1)
  // `-0.00` reads as a sign where there is none.
  if (/^-0\.0+$/.test(text)) return text.slice(1)
  const [whole = '', fraction = ''] = text.split('.')
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`
}

/**
 * An integer with thousands separators, whatever the locale: `17,755`.
 *
 * @example
 * ```ts
 * formatInteger(17755.4) // '17,755'
 * ```
 */
export function formatInteger(value: number): string {
  if (!Number.isFinite(value)) return MISSING
  const rounded = Math.round(value)
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return rounded < 0 ? `-${digits}` : digits
}

/**
 * Milliseconds with their unit: `5.71 ms`.
 *
 * @example
 * ```ts
 * formatMs(5.714) // '5.71 ms'
 * ```
 */
export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${formatDecimal(ms)} ms` : MISSING
}

/**
 * Microseconds with their unit: `95.0 µs`.
 *
 * @example
 * ```ts
 * formatUs(1.8) // '1.80 µs'
 * ```
 */
export function formatUs(us: number): string {
  return Number.isFinite(us) ? `${formatDecimal(us)} µs` : MISSING
}

/**
 * Operations per second as an integer: `17,755`.
 *
 * @example
 * ```ts
 * formatOps(17755.2) // '17,755'
 * ```
 */
export function formatOps(opsPerSecond: number): string {
  return formatInteger(opsPerSecond)
}

/**
 * A median with the lowest and highest repetition: `5.71 ms (5.60–5.90)`. A figure measured once
 * has no spread and shows the value alone.
 *
 * @example
 * ```ts
 * formatSpread(spread([5.6, 5.71, 5.9]), formatMs, formatDecimal) // '5.71 ms (5.60–5.90)'
 * ```
 */
export function formatSpread(
  figure: Spread,
  formatMedian: (value: number) => string,
  formatBound: (value: number) => string,
): string {
  if (figure.runs.length < 2) return formatMedian(figure.median)
  return `${formatMedian(figure.median)} (${formatBound(figure.min)}–${formatBound(figure.max)})`
}

/**
 * A spread of milliseconds: `5.71 ms (5.60–5.90)`.
 *
 * @example
 * ```ts
 * formatSpreadMs(run.connect[0].p50Ms)
 * ```
 */
export function formatSpreadMs(figure: Spread): string {
  return formatSpread(figure, formatMs, formatDecimal)
}

/**
 * A spread of microseconds: `95.0 µs (91.2–99.8)`.
 *
 * @example
 * ```ts
 * formatSpreadUs(run.token[0].p50Us)
 * ```
 */
export function formatSpreadUs(figure: Spread): string {
  return formatSpread(figure, formatUs, formatDecimal)
}

/**
 * A spread of operations per second: `17,755 (17,102–18,011)`.
 *
 * @example
 * ```ts
 * formatSpreadOps(run.queries[0].opsPerSecond)
 * ```
 */
export function formatSpreadOps(figure: Spread): string {
  return formatSpread(figure, formatOps, formatInteger)
}

/**
 * How many times `base` a value is, with two decimals: `1.02×`; `—` without a base.
 *
 * @example
 * ```ts
 * formatRatio(5.71, 5.59) // '1.02×'
 * ```
 */
export function formatRatio(value: number, base: number | undefined): string {
  if (base === undefined || base === 0 || !Number.isFinite(base) || !Number.isFinite(value)) {
    return MISSING
  }
  return `${(value / base).toFixed(2)}×`
}

/**
 * A share in percent, two decimals below 10 and one from 10 on: `0.03%`, `42.0%`.
 *
 * @example
 * ```ts
 * formatPercent(1.66) // '1.66%'
 * ```
 */
export function formatPercent(percent: number): string {
  return Number.isFinite(percent) ? `${formatDecimal(percent)}%` : MISSING
}

/**
 * Bytes on disk given in KiB: whole KiB below 1 MiB, MiB with one decimal above: `812 KiB`, `3.8 MiB`.
 *
 * @example
 * ```ts
 * formatKiB(3900) // '3.8 MiB'
 * ```
 */
export function formatKiB(kib: number): string {
  if (!Number.isFinite(kib)) return MISSING
  return kib < 1024 ? `${formatInteger(kib)} KiB` : `${(kib / 1024).toFixed(1)} MiB`
}

/**
 * Memory in MiB with one decimal: `72.4 MiB`.
 *
 * @example
 * ```ts
 * formatMiB(72.43) // '72.4 MiB'
 * ```
 */
export function formatMiB(mib: number): string {
  return Number.isFinite(mib) ? `${mib.toFixed(1)} MiB` : MISSING
}

/**
 * A spread of MiB: `72.4 MiB (70.1–75.0)`.
 *
 * @example
 * ```ts
 * formatSpreadMiB(run.footprint[0].peakRssMiB)
 * ```
 */
export function formatSpreadMiB(figure: Spread): string {
  return formatSpread(figure, formatMiB, (value) => value.toFixed(1))
}
