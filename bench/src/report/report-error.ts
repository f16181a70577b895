/** What went wrong while reading a recorded run or rendering its report. */
export type ReportErrorCode =
  /** The recorded run's file does not exist. */
  | 'RUN_MISSING'
  /** The file is not JSON, or not the shape of a `BenchRun`. */
  | 'RUN_INVALID'
  /** The file was recorded with another `schema` version than this renderer reads. */
  | 'RUN_SCHEMA'
  /** A document's generated blocks do not match what the renderer knows (unknown, missing, unbalanced). */
  | 'DOC_BLOCKS'
  /** Vega-Lite found fault with a chart's specification. */
  | 'CHART_INVALID'
  /** Options that cannot work together, such as docs rendered from charts written elsewhere. */
  | 'BAD_OPTIONS'

/**
 * The one error the report code throws: a fixed `name`, a machine-readable `code`, a message that
 * says what to do, and the original error, if any, as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await readRun('docs/bench/results.json')
 * } catch (error) {
 *   if (error instanceof ReportError && error.code === 'RUN_MISSING') console.error(error.message)
 * }
 * ```
 */
export class ReportError extends Error {
  override readonly name = 'ReportError'
  readonly code: ReportErrorCode

  constructor(code: ReportErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
