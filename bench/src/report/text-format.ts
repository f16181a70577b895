/**
 * How dates, durations and lists are written in the report's sentences.
 * @module
 */

/**
 * An ISO timestamp as `2026-12-01 10:00 UTC`; any other text as it is.
 *
 * @example
 * ```ts
 * formatRunDate('2026-12-01T10:00:00.000Z') // '2026-12-01 10:00 UTC'
 * ```
 */
export function formatRunDate(date: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(date)
  return match === null ? date : `${match[1]} ${match[2]} UTC`
}

/**
 * Seconds as `9 min 12 s` (or `48 s`).
 *
 * @example
 * ```ts
 * formatDuration(552) // '9 min 12 s'
 * ```
 */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds)
  const minutes = Math.floor(whole / 60)
  return minutes === 0 ? `${whole} s` : `${minutes} min ${whole % 60} s`
}

/**
 * Words joined the way a sentence lists them: `1, 10 and 50`.
 *
 * @example
 * ```ts
 * joinWords(['pg', 'postgres.js', 'Kysely']) // 'pg, postgres.js and Kysely'
 * ```
 */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/**
 * A label at the start of a heading: its first letter in upper case.
 *
 * @example
 * ```ts
 * capitalize('point select') // 'Point select'
 * ```
 */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
