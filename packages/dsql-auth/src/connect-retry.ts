import { backoffDelayMs, checkMaxAttempts, waitOrAbort } from './backoff.ts'
import { DSQL_ERROR_TEXTS, type DsqlErrorText } from './dsql-error-texts.ts'
import { sqlState } from './sql-state.ts'
import type { TokenProvider } from './token-provider.ts'

/**
 * One answer with which Aurora DSQL refuses a new connection for a moment: what it sends
 * (SQLSTATE and exact text, from {@link DSQL_ERROR_TEXTS}) and when that was observed.
 */
export interface TransientRefusal {
  /** Stable id, e.g. `rate-exceeded`: what {@link ConnectRetryEvent.refusal} names. */
  readonly id: string
  /** The SQLSTATE; `undefined` where the facts record none (then the text alone decides). */
  readonly sqlState: string | undefined
  /** The exact message text DSQL sends. */
  readonly message: string
  /**
   * Whether DSQL sends it only to turn a new connection away, before any session exists (the text
   * says so): a statement that failed with it never reached the server and may be sent again.
   * `false` where it may also end a session in use.
   */
  readonly onlyAtConnect: boolean
  /** When the text was observed on a real cluster or read in the docs. */
  readonly observed: string
}

const refusal = (id: string, row: DsqlErrorText, onlyAtConnect: boolean): TransientRefusal =>
  Object.freeze({
    id,
    sqlState: row.sqlState,
    message: row.text,
    onlyAtConnect,
    observed: row.observed,
  })

/**
 * DSQL's transient connection refusals: opening the connection again a little later succeeds.
 *
 * - `rate-exceeded`: the cluster's token bucket (100 new connections a second, bursts of 1,000)
 *   is empty, as when a service starts or a pool refills after a failover.
 * - `waking-up`: the cluster is resuming; the facts give no SQLSTATE, so the text decides.
 * - `server-unavailable`: a passing failure behind the endpoint; it may also end a session in use.
 *
 * Not here on purpose: `53300` (10,000 open connections) lasts until other clients close theirs,
 * and access denied (`08006`: wrong token, user, region or clock) or a TLS failure never heals by
 * waiting. Those reach the caller at once.
 */
export const TRANSIENT_REFUSALS: readonly TransientRefusal[] = Object.freeze([
  refusal('rate-exceeded', DSQL_ERROR_TEXTS.rateExceeded, true),
  refusal('waking-up', DSQL_ERROR_TEXTS.wakingUp, true),
  refusal('server-unavailable', DSQL_ERROR_TEXTS.serverUnavailable, false),
])

/** How deep {@link transientRefusal} follows `cause` chains, like {@link sqlState}. */
const MAX_DEPTH = 8

/**
 * The row of {@link TRANSIENT_REFUSALS} that `error` is, looking through wrappers' `cause` chains
 * (pg-pool, for one, wraps a connect timeout around its cause); `undefined` for any other error.
 * A row matches on its exact text and, where it has one, its SQLSTATE.
 *
 * @example
 * ```ts
 * transientRefusal(error)?.id // 'rate-exceeded'
 * ```
 */
export function transientRefusal(error: unknown): TransientRefusal | undefined {
  let current: unknown = error
  for (
    let depth = 0;
    depth < MAX_DEPTH && typeof current === 'object' && current !== null;
    depth++
  ) {
    const { message, code } = current as { message?: unknown; code?: unknown }
    const row = TRANSIENT_REFUSALS.find(
      (r) => r.message === message && (r.sqlState === undefined || r.sqlState === code),
    )
    if (row !== undefined) return row
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** Whether `error` is one of DSQL's transient connection refusals ({@link TRANSIENT_REFUSALS}). */
export function isTransientRefusal(error: unknown): boolean {
  return transientRefusal(error) !== undefined
}

/** What {@link ConnectRetryOptions.onRetry} is told before each new attempt. */
export interface ConnectRetryEvent {
  /** The attempt that was just refused (1 for the first). */
  readonly attempt: number
  /** How long the helper waits before the next attempt, in ms. */
  readonly delayMs: number
  /** Time since the first attempt began, in ms. */
  readonly elapsedMs: number
  /** The refusal, as the driver raised it. */
  readonly error: unknown
  /** Its SQLSTATE, when it has one (`53400` for rate exceeded). */
  readonly sqlState: string | undefined
  /** Which row of {@link TRANSIENT_REFUSALS} it is; `undefined` with a custom `retryIf`. */
  readonly refusal: string | undefined
}

/** Options of {@link connectWithRetry}. Every field has a default ({@link CONNECT_RETRY_DEFAULTS}). */
export interface ConnectRetryOptions {
  /** Most attempts to open the connection, the first included. Default 10. */
  readonly maxAttempts?: number
  /** Backoff cap of the first retry, doubled for each later one, in ms. Default 100. */
  readonly baseDelayMs?: number
  /** Largest single backoff, in ms. Default 2000. */
  readonly maxDelayMs?: number
  /** No attempt starts later than this after the first one began, in ms. Default 15000. */
  readonly maxElapsedMs?: number
  /** Decides which errors are retried. Default: {@link isTransientRefusal}. */
  readonly retryIf?: (error: unknown) => boolean
  /** Called before each retry, e.g. to log or count it. */
  readonly onRetry?: (event: ConnectRetryEvent) => void
  /**
   * The token provider the connections sign with (what `createTokenProvider` returns): every
   * failed attempt is reported to it, so that a token DSQL refused (`08006` access denied) is not
   * handed to the next connection. The refusal itself is not retried.
   */
  readonly tokens?: Pick<TokenProvider, 'reportConnectError'>
  /** Stops waiting and retrying when aborted; the abort reason is thrown. */
  readonly signal?: AbortSignal
  /** Source of jitter in [0, 1). Default `Math.random`. */
  readonly random?: () => number
}

/**
 * The defaults of {@link ConnectRetryOptions}, chosen for DSQL's bucket of 100 new connections a
 * second: the first retry waits up to 100 ms (about ten connections' worth of refill), each later
 * cap doubles up to 2 s, so ten attempts wait about 5.5 s in all on average (at most 11.1 s), and
 * 15 s after the first attempt the last refusal is handed on. That covers a burst and a cluster
 * waking up, and still fails a request well before a client would give up on it.
 */
export const CONNECT_RETRY_DEFAULTS = Object.freeze({
  maxAttempts: 10,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  maxElapsedMs: 15_000,
})

/**
 * Opens a connection with `open` and opens it again when Aurora DSQL refuses it for a moment
 * ({@link TRANSIENT_REFUSALS}: rate exceeded, cluster waking up, server unavailable). Any other
 * error, such as access denied or a TLS failure, is rethrown at once, after one attempt.
 *
 * Waits between attempts with exponential backoff and full jitter: before retry `n` it waits a
 * random time in `[0, min(maxDelayMs, baseDelayMs * 2^(n-1)))`. It stops after `maxAttempts`, or
 * when the next attempt would start more than `maxElapsedMs` after the first, and then rethrows the
 * last refusal as the driver raised it (code that checks `error.code === '53400'` keeps working).
 *
 * `open` must only open (or take from a pool) a connection: nothing may have run on the server when
 * it fails, so running it again is always safe. It imports no driver; see the examples for `pg`
 * (`pool.connect`), Kysely (its dialect's `pool`) and postgres.js (`sql.reserve()`).
 *
 * @param open Opens the connection; it receives the attempt number, starting at 1.
 * @example
 * ```ts
 * const client = await connectWithRetry(() => pool.connect(), {
 *   onRetry: (e) => console.warn(`connection refused (${e.refusal}), retry in ${e.delayMs} ms`),
 * })
 * ```
 */
export async function connectWithRetry<T>(
  open: (attempt: number) => Promise<T>,
  options: ConnectRetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? CONNECT_RETRY_DEFAULTS.maxAttempts
  const baseDelayMs = options.baseDelayMs ?? CONNECT_RETRY_DEFAULTS.baseDelayMs
  const maxDelayMs = options.maxDelayMs ?? CONNECT_RETRY_DEFAULTS.maxDelayMs
  const maxElapsedMs = options.maxElapsedMs ?? CONNECT_RETRY_DEFAULTS.maxElapsedMs
  const retryIf = options.retryIf ?? isTransientRefusal
  const backoff = { baseDelayMs, maxDelayMs, random: options.random ?? Math.random }
  checkMaxAttempts('connectWithRetry', maxAttempts)

  const started = performance.now()
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await open(attempt)
    } catch (error) {
      options.tokens?.reportConnectError(error)
      if (attempt >= maxAttempts || !retryIf(error)) throw error
      const delayMs = backoffDelayMs(attempt, backoff)
      const elapsedMs = performance.now() - started
      if (elapsedMs + delayMs > maxElapsedMs) throw error
      options.onRetry?.({
        attempt,
        delayMs,
        elapsedMs,
        error,
        sqlState: sqlState(error),
        refusal: transientRefusal(error)?.id,
      })
      await waitOrAbort(delayMs, options.signal)
    }
  }
}
