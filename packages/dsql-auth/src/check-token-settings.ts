import { isRegion, regionFromEndpoint } from './cluster-endpoint.ts'
import { type ConfigProblem, DsqlConfigError } from './errors.ts'
import type { DsqlConfig } from './load-config.ts'
import { refreshMarginProblem, TOKEN_DEFAULTS } from './token-defaults.ts'
import { NOT_SHOWN } from './value-in-message.ts'

/** The settings {@link checkTokenSettings} judges. */
export type TokenSettings = Pick<
  DsqlConfig,
  'endpoint' | 'region' | 'refreshToken' | 'tokenRefreshIntervalSeconds' | 'tokenLifetimeSeconds'
>

/**
 * Checks the timing and region settings of a token provider, which may come from a config built by
 * hand rather than by `loadConfig`, and returns the region to sign for: the one a DSQL endpoint
 * names, else `config.region`.
 *
 * @throws {DsqlConfigError} listing every problem: a lifetime out of range or not longer than the
 *   refresh interval, no region, or a region that contradicts the endpoint's.
 */
export function checkTokenSettings(config: TokenSettings): string {
  const problems: ConfigProblem[] = []
  const { maxLifetimeSeconds } = TOKEN_DEFAULTS
  const lifetime = config.tokenLifetimeSeconds
  const interval = config.tokenRefreshIntervalSeconds
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > maxLifetimeSeconds) {
    problems.push({
      variable: 'tokenLifetimeSeconds',
      problem: `must be a whole number of seconds from 1 to ${maxLifetimeSeconds}, got ${lifetime}`,
      example: '1200',
    })
  }
  if (config.refreshToken) {
    if (!Number.isInteger(interval) || interval < 1) {
      problems.push({
        variable: 'tokenRefreshIntervalSeconds',
        problem: `must be a whole number of seconds of at least 1, got ${interval}`,
        example: '900',
      })
    } else {
      const margin = refreshMarginProblem(lifetime, interval, {
        lifetime: 'tokenLifetimeSeconds',
        interval: 'tokenRefreshIntervalSeconds',
        example: String,
      })
      if (margin !== undefined) problems.push(margin)
    }
  }
  // A DSQL endpoint names the region its tokens must be signed for (see loadConfig).
  const region = regionFromEndpoint(config.endpoint) ?? config.region
  if (region === undefined || region === '') {
    problems.push({
      variable: 'region',
      problem: 'is required to sign IAM auth tokens',
      example: 'us-east-1',
    })
  } else if (!isRegion(region)) {
    problems.push({
      variable: 'region',
      problem: `is not an AWS region name (lower case, like us-east-1); the value is ${NOT_SHOWN}`,
      example: 'us-east-1',
    })
  } else if (config.region !== undefined && config.region !== region) {
    const given = isRegion(config.region) ? config.region : `a value ${NOT_SHOWN}`
    problems.push({
      variable: 'region',
      problem: `is ${given}, but the endpoint names a cluster in ${region}: tokens are signed for the cluster's region`,
      example: region,
    })
  }
  if (problems.length > 0) throw new DsqlConfigError(problems)
  return region as string
}
