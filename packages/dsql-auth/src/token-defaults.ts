/**
 * Token timing defaults shared by {@link loadConfig} and {@link createTokenProvider}.
 *
 * - `refreshIntervalSeconds` (900): a cached token is replaced once it is this old, as in the Go example.
 * - `minMarginSeconds` (60): a token must outlive the refresh interval by at least this much, so the
 *   last connection opened with a cached token still finds it valid after DNS, TCP and TLS.
 * - `marginSeconds` (300): the margin used when the lifetime is not configured.
 * - `maxLifetimeSeconds` (604,800, one week): the longest lifetime Aurora DSQL accepts.
 * - `uncachedLifetimeSeconds` (900): the lifetime when caching is off; the token is used at once.
 */
export const TOKEN_DEFAULTS = Object.freeze({
  refreshIntervalSeconds: 900,
  minMarginSeconds: 60,
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
