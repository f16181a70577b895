import { backoffDelayMs, checkMaxAttempts, waitOrAbort } from './backoff.ts'
import { DsqlRetryError } from './errors.ts'
import { isOccConflict, sqlState } from './sql-state.ts'

/** What {@link RetryOptions.onRetry} is told before each new attempt. */
export interface RetryEvent {
  /** The attempt that just failed (1 for the first run). */
  readonly attempt: number
  /** How long the helper waits before the next attempt, in ms. */
  readonly delayMs: number
  /** The conflict that failed the attempt. */
  readonly error: unknown
  /** Its SQLSTATE, when it has one (usually `40001`). */
  readonly sqlState: string | undefined
}

/** Options of {@link withRetry}. Every field has a default. */
export interface RetryOptions {
  /** Most runs of the unit of work, the first included. Default 5. */
  readonly maxAttempts?: number
  /** Backoff cap of the first retry, doubled for each later one, in ms. Default 20. */
  readonly baseDelayMs?: number
  /** Largest single backoff, in ms. Default 1000. */
  readonly maxDelayMs?: number
  /** Most time spent waiting between attempts, all retries together, in ms. Default 5000. */
  readonly maxTotalDelayMs?: number
  /** Decides which errors are retried. Default: {@link isOccConflict}. */
  readonly retryIf?: (error: unknown) => boolean
  /** Called before each retry, e.g. to log or count it. */
  readonly onRetry?: (event: RetryEvent) => void
  /** Stops waiting and retrying when aborted; the abort reason is thrown. */
  readonly signal?: AbortSignal
  /** Source of jitter in [0, 1). Default `Math.random`. */
  readonly random?: () => number
}

/** The defaults of {@link RetryOptions}. */
export const RETRY_DEFAULTS = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 20,
  maxDelayMs: 1000,
  maxTotalDelayMs: 5000,
})

/**
 * Runs `work` and runs it again, whole, when it fails with an optimistic-concurrency conflict
 * ({@link isOccConflict}: SQLSTATE 40001, `OC000` or `OC001`). Aurora DSQL detects conflicts at
 * COMMIT, so `work` must be the entire transaction: begin, statements, commit, on a connection it
 * takes from the pool itself.
 *
 * Waits between attempts with exponential backoff and full jitter: before retry `n` it waits a
 * random time in `[0, min(maxDelayMs, baseDelayMs * 2^(n-1)))`, and never more than
 * `maxTotalDelayMs` in all. Any other error is rethrown at once, untouched.
 *
 * @param work The unit of work; it receives the attempt number, starting at 1.
 * @throws {DsqlRetryError} when attempts or waiting time run out; `cause` is the last conflict.
 * @example
 * ```ts
 * const balance = await withRetry(async () => {
 *   const client = await pool.connect()
 *   try {
 *     await client.query('begin')
 *     await client.query('update account set balance = balance - 10 where id = $1', [id])
 *     const { rows } = await client.query('select balance from account where id = $1', [id])
 *     await client.query('commit')
 *     return rows[0].balance
 *   } catch (error) {
 *     await client.query('rollback').catch(() => {})
 *     throw error
 *   } finally {
 *     client.release()
 *   }
 * })
 * ```
 */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts
  const baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs
  const maxDelayMs = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs
  const maxTotalDelayMs = options.maxTotalDelayMs ?? RETRY_DEFAULTS.maxTotalDelayMs
  const retryIf = options.retryIf ?? isOccConflict
  const backoff = { baseDelayMs, maxDelayMs, random: options.random ?? Math.random }
  checkMaxAttempts('withRetry', maxAttempts)

  let waitedMs = 0
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await work(attempt)
    } catch (error) {
      if (!retryIf(error)) throw error
      const delayMs = Math.min(backoffDelayMs(attempt, backoff), maxTotalDelayMs - waitedMs)
      if (attempt >= maxAttempts || delayMs < 0 || waitedMs >= maxTotalDelayMs) {
        const reason =
          attempt >= maxAttempts
            ? `${attempt} attempts`
            : `${attempt} attempts and ${waitedMs} ms of backoff`
        throw new DsqlRetryError(
          `Gave up after ${reason}: the transaction kept conflicting with concurrent ones (SQLSTATE ${sqlState(error) ?? 'none'}). ` +
            'Reduce contention on the same rows, or raise maxAttempts.',
          attempt,
          { cause: error },
        )
      }
      options.onRetry?.({ attempt, delayMs, error, sqlState: sqlState(error) })
      waitedMs += delayMs
      await waitOrAbort(delayMs, options.signal)
    }
  }
}
