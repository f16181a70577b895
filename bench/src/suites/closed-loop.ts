/** What one closed-loop run measured. */
export interface LoopFigures {
  readonly operations: number
  readonly errors: number
  readonly seconds: number
  /** Each successful operation's time, in ms, in completion order. */
  readonly latenciesMs: readonly number[]
}

/**
 * Runs `callers` loops at once for `durationMs`, each calling `operation` again as soon as the last
 * call settled (a closed loop: the load is `callers` operations in flight, never more). A failed
 * operation is counted and the loop goes on; its time is not a latency sample. `stop()`, when
 * given, ends every loop early once it returns true (a fatal error: no use running on).
 *
 * @example
 * ```ts
 * const figures = await closedLoop(10, 3_000, () => client.pointSelect(id))
 * ```
 */
export async function closedLoop(
  callers: number,
  durationMs: number,
  operation: (caller: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<LoopFigures> {
  const latenciesMs: number[] = []
  let errors = 0
  const started = performance.now()
  const deadline = started + durationMs
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (performance.now() < deadline && !stop()) {
        const start = performance.now()
        try {
          await operation(caller)
          latenciesMs.push(performance.now() - start)
        } catch {
          errors += 1
        }
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return { operations: latenciesMs.length, errors, seconds, latenciesMs }
}
