import type { ConfigProblem } from './errors.ts'

/**
 * Token timing defaults shared by {@link loadConfig} and {@link createTokenProvider}.
 *
 * - `refreshIntervalSeconds` (900): a cached token is replaced once it is this old, as in the Go example.
 * - `minMarginSeconds` (60): a token must outlive the refresh interval by at least this much, so the
 *   last connection opened with a cached token still finds it valid after DNS, TCP and TLS.
 * - `marginSeconds` (300): the margin used when the lifetime is not configured.
 * - `maxLifetimeSeconds` (604,800, one week): the longest lifetime Aurora DSQL accepts.
 * - `uncachedLifetimeSeconds` (900): the lifetime when caching is off; the token is used at once.
 * - `credentialMarginSeconds` (60): a cached token is replaced this long before the temporary
 *   credentials that signed it expire (DSQL refuses a token whose credentials have expired, whatever
 *   its own lifetime). A fixed time, not a fraction of the credentials' lifetime, because what it
 *   covers is fixed too: the last connection opened with the token getting through DNS, TCP and TLS
 *   (`POOL_DEFAULTS.connectTimeoutSeconds` is 10). Credentials with less left are not cached on.
 */
export const TOKEN_DEFAULTS = Object.freeze({
  refreshIntervalSeconds: 900,
  minMarginSeconds: 60,
  credentialMarginSeconds: 60,
  marginSeconds: 300,
  maxLifetimeSeconds: 604_800,
  uncachedLifetimeSeconds: 900,
  /** The default token lifetime for a refresh interval. */
  lifetimeFor(refreshIntervalSeconds: number, refresh: boolean): number {
    if (!refresh) return TOKEN_DEFAULTS.uncachedLifetimeSeconds
    return Math.min(
      refreshIntervalSeconds + TOKEN_DEFAULTS.marginSeconds,
      TOKEN_DEFAULTS.maxLifetimeSeconds,
    )
  },
})

/** How {@link refreshMarginProblem} names the two settings: environment variables or option names. */
export interface TimingNames {
  readonly lifetime: string
  readonly interval: string
  /** Formats a value as the fix to show, e.g. `TOKEN_LIFETIME=1200` or `1200`. */
  readonly example: (seconds: number) => string
}

/**
 * The one rule that keeps cached tokens safe: a token must outlive the refresh interval by at least
 * `minMarginSeconds`. Returns the problem to report, or `undefined` when the lifetime is long enough.
 */
export function refreshMarginProblem(
  lifetimeSeconds: number,
  intervalSeconds: number,
  names: TimingNames,
): ConfigProblem | undefined {
  const { minMarginSeconds } = TOKEN_DEFAULTS
  if (lifetimeSeconds >= intervalSeconds + minMarginSeconds) return undefined
  return {
    variable: names.lifetime,
    problem: `(${lifetimeSeconds} s) must exceed ${names.interval} (${intervalSeconds} s) by at least ${minMarginSeconds} s, so a cached token is never handed out close to its expiry`,
    example: names.example(TOKEN_DEFAULTS.lifetimeFor(intervalSeconds, true)),
  }
}
