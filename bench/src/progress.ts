/**
 * Progress lines on stderr while a run goes (stdout stays free for the final table):
 * `[queries 7/42] pg template point-select x10`.
 */
export interface Progress {
  /** Announces the `index`-th (1-based) of `total` steps of `workload`. */
  step(workload: string, index: number, total: number, what: string): void
  /** A free-form line, e.g. a target starting. */
  note(message: string): void
}

/**
 * Progress that writes to a stream (stderr by default) with the seconds since the run began.
 *
 * @example
 * ```ts
 * const progress = createProgress()
 * progress.step('connect', 1, 12, 'pg template direct 0 ms')
 * ```
 */
export function createProgress(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Progress {
  const started = performance.now()
  const stamp = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s`
  return {
    step: (workload, index, total, what) =>
      write(`${stamp()} [${workload} ${index}/${total}] ${what}`),
    note: (message) => write(`${stamp()} ${message}`),
  }
}

/**
 * Progress that prints nothing (tests).
 *
 * @example
 * ```ts
 * await measureConnect(samplers, 0, settings, silentProgress)
 * ```
 */
export const silentProgress: Progress = Object.freeze({ step: () => {}, note: () => {} })
