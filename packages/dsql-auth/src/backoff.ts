import { setTimeout as sleep } from 'node:timers/promises'

/** The backoff settings {@link withRetry} and {@link connectWithRetry} share. */
export interface Backoff {
  /** Cap of the first wait, doubled for each later one, in ms. */
  readonly baseDelayMs: number
  /** Largest single wait, in ms. */
  readonly maxDelayMs: number
  /** Source of jitter in [0, 1). */
  readonly random: () => number
}

/**
 * The wait before retry `attempt` (1 for the first), exponential with full jitter: a random whole
 * number of ms in `[0, min(maxDelayMs, baseDelayMs * 2^(attempt-1)))`.
 *
 * @example
 * ```ts
 * await waitOrAbort(backoffDelayMs(attempt, { baseDelayMs: 20, maxDelayMs: 1000, random: Math.random }), signal)
 * ```
 */
export function backoffDelayMs(attempt: number, backoff: Backoff): number {
  const capMs = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(backoff.random() * capMs)
}

/** Throws a `RangeError` naming `caller` unless `maxAttempts` is a whole number of at least 1. */
export function checkMaxAttempts(caller: string, maxAttempts: number): void {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(
      `${caller}: maxAttempts must be a whole number of at least 1, got ${maxAttempts}`,
    )
  }
}

/** Waits `ms`; when `signal` aborts first, throws the caller's own reason (not Node's AbortError). */
export async function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return sleep(ms)
  try {
    await sleep(ms, undefined, { signal })
  } catch (error) {
    throw signal.aborted ? signal.reason : error
  }
}
