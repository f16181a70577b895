import { RETRY_DEFAULTS } from 'dsql-auth'
import { formatDecimal, formatInteger } from './number-format.ts'

/**
 * The two retry helpers the contention workload compares, with the defaults it runs them with:
 * attempts per commit and transactions that gave up depend on these policies as much as on the
 * pools behind them.
 * @module
 */

/** A retry helper's defaults, as the report describes them. */
export interface RetryPolicy {
  /** Most runs of a transaction, the first included. */
  readonly maxAttempts: number
  /** The wait before the first retry, doubled for each later one, in ms. */
  readonly baseDelayMs: number
  /** Largest single wait, in ms. */
  readonly maxDelayMs: number
  /** Most time spent waiting, all retries together, in ms; `undefined` for no limit. */
  readonly maxTotalDelayMs: number | undefined
  /**
   * How a wait is drawn: `full`, at random below the doubled value; or that value plus up to
   * `addedPercent` of it at random.
   */
  readonly jitter:
    | { readonly kind: 'full' }
    | { readonly kind: 'added'; readonly addedPercent: number }
}

/**
 * The templates' policy: `dsql-auth`'s `withRetry` with `RETRY_DEFAULTS`, which their
 * `transaction()` does not override.
 *
 * @example
 * ```ts
 * TEMPLATE_RETRY.maxAttempts // 5
 * ```
 */
export const TEMPLATE_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: RETRY_DEFAULTS.maxAttempts,
  baseDelayMs: RETRY_DEFAULTS.baseDelayMs,
  maxDelayMs: RETRY_DEFAULTS.maxDelayMs,
  maxTotalDelayMs: RETRY_DEFAULTS.maxTotalDelayMs,
  jitter: Object.freeze({ kind: 'full' as const }),
})

/**
 * The official connector's policy: the defaults of its `pool.transaction()`, as read from
 * `@aws/aurora-dsql-node-postgres-connector` 0.1.9 (the version `bench/package.json` pins), in
 * `dist/index.mjs`, `DEFAULT_CONFIG` of its `src/occ-retry.ts`: `maxRetries: 3` (so 4 attempts),
 * `baseDelayMs: 1`, `maxDelayMs: 100`, `jitterFactor: 0.25` (up to 25% added), and no limit on the
 * total wait. The package does not export them: read them again when the pinned version changes
 * (a test compares them with the installed file).
 *
 * @example
 * ```ts
 * OFFICIAL_CONNECTOR_RETRY.maxAttempts // 4
 * ```
 */
export const OFFICIAL_CONNECTOR_RETRY: RetryPolicy & { readonly version: string } = Object.freeze({
  version: '0.1.9',
  maxAttempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 100,
  maxTotalDelayMs: undefined,
  jitter: Object.freeze({ kind: 'added' as const, addedPercent: 25 }),
})

/**
 * A policy in words, with the most it waits before it gives up: `up to 5 attempts; waits drawn at
 * random below 20 ms, a bound that doubles with each retry up to 1,000 ms, and at most 5,000 ms in
 * all: under 300 ms before it gives up`.
 *
 * @example
 * ```ts
 * `the templates' \`withRetry\` (${retryPolicyWords(TEMPLATE_RETRY)})`
 * ```
 */
export function retryPolicyWords(policy: RetryPolicy): string {
  const ms = formatWaitMs
  const limit =
    policy.maxTotalDelayMs === undefined ? '' : `, and at most ${ms(policy.maxTotalDelayMs)} in all`
  const waits =
    policy.jitter.kind === 'full'
      ? `waits drawn at random below ${ms(policy.baseDelayMs)}, a bound that doubles with each retry up to ${ms(policy.maxDelayMs)}${limit}: under`
      : `waits of ${ms(policy.baseDelayMs)} that double with each retry up to ${ms(policy.maxDelayMs)}, plus up to ${policy.jitter.addedPercent}% at random${limit}: at most`
  return `up to ${policy.maxAttempts} attempts; ${waits} ${ms(longestWaitMs(policy))} before it gives up`
}

/**
 * A policy in a few words: `up to 5 attempts, under 300 ms of waiting`.
 *
 * @example
 * ```ts
 * `the official connector's helper (${retryPolicyBrief(OFFICIAL_CONNECTOR_RETRY)})`
 * ```
 */
export function retryPolicyBrief(policy: RetryPolicy): string {
  const bound = policy.jitter.kind === 'full' ? 'under' : 'at most'
  return `up to ${policy.maxAttempts} attempts, ${bound} ${formatWaitMs(longestWaitMs(policy))} of waiting`
}

function formatWaitMs(value: number): string {
  return `${Number.isInteger(value) ? formatInteger(value) : formatDecimal(value)} ms`
}

/** The most a policy waits, all retries together, before it gives up. */
function longestWaitMs(policy: RetryPolicy): number {
  let waitMs = 0
  for (let retry = 1; retry < policy.maxAttempts; retry++) {
    waitMs += Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  }
  if (policy.jitter.kind === 'added') waitMs *= 1 + policy.jitter.addedPercent / 100
  return policy.maxTotalDelayMs === undefined ? waitMs : Math.min(waitMs, policy.maxTotalDelayMs)
}
