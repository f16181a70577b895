import { fromNodeProviderChain } from '@aws-sdk/credential-providers'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { memoize } from '@smithy/property-provider'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types'
import { isHost, isRegion, regionFromEndpoint } from './cluster-endpoint.ts'
import { type ConfigProblem, DsqlAuthError, DsqlConfigError } from './errors.ts'
import type { DsqlConfig } from './load-config.ts'
import { refreshMarginProblem, TOKEN_DEFAULTS } from './token-defaults.ts'
import { NOT_SHOWN } from './value-in-message.ts'

/** The IAM action a token grants: `DbConnectAdmin` for the `admin` role, `DbConnect` for any other. */
export type DsqlAction = 'DbConnect' | 'DbConnectAdmin'

/** What a {@link TokenProvider} reports each time it signs a token. It never carries the token. */
export interface TokenRefreshEvent {
  /** When the token was signed. */
  readonly at: Date
  /** When the token stops being accepted for new connections. */
  readonly expiresAt: Date
  /** The action the token is signed for. */
  readonly action: DsqlAction
  /** The database role the token is for. */
  readonly user: string
  /** The endpoint the token is signed for. */
  readonly endpoint: string
  /** Why it was signed: first use, cached token too old, or caching off. */
  readonly reason: 'first' | 'interval' | 'uncached'
}

/** The settings a {@link TokenProvider} needs; a {@link DsqlConfig} has them all. */
export type TokenProviderConfig = Pick<
  DsqlConfig,
  | 'endpoint'
  | 'region'
  | 'user'
  | 'useIam'
  | 'password'
  | 'refreshToken'
  | 'tokenRefreshIntervalSeconds'
  | 'tokenLifetimeSeconds'
  | 'profile'
>

/** Options of {@link createTokenProvider} beyond the config. */
export interface TokenProviderOptions {
  /**
   * Credentials or a credential provider. Default: the Node.js default chain
   * (`fromNodeProviderChain`, honouring `config.profile`). A provider is memoized: it is asked
   * again only when the credentials it gave are about to expire.
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider
  /** Called after each signing, e.g. to log or count refreshes. Exceptions it throws are ignored. */
  readonly onRefresh?: (event: TokenRefreshEvent) => void
}

/**
 * A password function for PostgreSQL drivers: resolves to a fresh or cached IAM auth token
 * (or the static password when IAM is off). `pg` and postgres.js both accept it as `password`
 * and call it for each new physical connection.
 */
export interface TokenProvider {
  (): Promise<string>
  /** Forgets the cached token; later calls reject. Holds no timer, so nothing else needs stopping. */
  close(): void
}

/** A role name that needs no quoting, safe to show in a message. */
const PLAIN_ROLE = /^[a-z_][a-z0-9_$-]{0,62}$/i

/** Credentials are refreshed this long before they expire (as the AWS SDK's own clients do). */
const CREDENTIAL_REFRESH_MS = 5 * 60_000

/**
 * Creates the password function that hands IAM auth tokens to a driver.
 *
 * - The role `admin` gets `DbConnectAdmin` tokens; every other role gets `DbConnect`.
 * - With `refreshToken` on, one token is cached and replaced once older than
 *   `tokenRefreshIntervalSeconds`; concurrent callers share one signing. With it off, every call signs.
 * - Credentials are resolved through one memoized provider, never once per connection.
 * - No timer runs: tokens are signed on demand (local HMAC work, well under a millisecond).
 *
 * @throws {DsqlConfigError} synchronously, when the timing settings cannot work.
 * @example
 * ```ts
 * const config = loadConfig()
 * const password = createTokenProvider(config)
 * const pool = new pg.Pool({ host: config.host, user: config.user, password, ...dsqlTls(config) })
 * ```
 */
export function createTokenProvider(
  config: TokenProviderConfig,
  options: TokenProviderOptions = {},
): TokenProvider {
  let closed = false
  const closedError = () =>
    new DsqlAuthError('This token provider was closed; create a new one to open connections.')

  if (!config.useIam) {
    const password = config.password ?? ''
    const staticProvider = async () => {
      if (closed) throw closedError()
      return password
    }
    return Object.assign(staticProvider, {
      close: () => {
        closed = true
      },
    })
  }

  const region = checkConfig(config)
  // Shown in auth errors only when plain: a hand-built config may hold anything.
  const target = [
    PLAIN_ROLE.test(config.user) ? `user "${config.user}"` : 'the user',
    isHost(config.endpoint) ? `at ${config.endpoint}` : 'at the endpoint',
    `(${region})`,
  ].join(' ')
  const action: DsqlAction = config.user === 'admin' ? 'DbConnectAdmin' : 'DbConnect'
  const lifetimeMs = config.tokenLifetimeSeconds * 1000
  const intervalMs = config.tokenRefreshIntervalSeconds * 1000
  const signer = new DsqlSigner({
    hostname: config.endpoint,
    region,
    credentials: credentialProvider(config, options),
    expiresIn: config.tokenLifetimeSeconds,
  })

  const sign = async (reason: TokenRefreshEvent['reason']): Promise<string> => {
    const at = new Date()
    let token: string
    try {
      token =
        action === 'DbConnectAdmin'
          ? await signer.getDbConnectAdminAuthToken()
          : await signer.getDbConnectAuthToken()
    } catch (error) {
      throw new DsqlAuthError(
        `Could not generate an Aurora DSQL auth token for ${target}: ` +
          'check that AWS credentials are available (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO login, instance role), ' +
          'that REGION is the cluster region, and that the system clock is correct.',
        { cause: error },
      )
    }
    try {
      options.onRefresh?.({
        at,
        expiresAt: new Date(at.getTime() + lifetimeMs),
        action,
        user: config.user,
        endpoint: config.endpoint,
        reason,
      })
    } catch {
      // A failing observer must not fail a connection.
    }
    return token
  }

  let cached: { token: string; signedAt: number } | undefined
  let inflight: Promise<string> | undefined

  const provider = async (): Promise<string> => {
    if (closed) throw closedError()
    if (!config.refreshToken) return sign('uncached')
    if (cached !== undefined && Date.now() - cached.signedAt < intervalMs) return cached.token
    if (inflight === undefined) {
      const signedAt = Date.now()
      const reason = cached === undefined ? 'first' : 'interval'
      inflight = sign(reason)
        .then((token) => {
          if (!closed) cached = { token, signedAt }
          return token
        })
        .finally(() => {
          inflight = undefined
        })
    }
    return inflight
  }

  return Object.assign(provider, {
    close: () => {
      closed = true
      cached = undefined
    },
  })
}

/** Checks the timing and region settings; returns the region to sign for. */
function checkConfig(config: TokenProviderConfig): string {
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
  const endpointRegion = regionFromEndpoint(config.endpoint)
  const region = endpointRegion ?? config.region
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

function credentialProvider(
  config: TokenProviderConfig,
  options: TokenProviderOptions,
): AwsCredentialIdentityProvider {
  const given = options.credentials
  if (given === undefined) {
    // The default chain memoizes its answer and may reach the network (IMDS, SSO, STS): build it once.
    return fromNodeProviderChain(config.profile === undefined ? {} : { profile: config.profile })
  }
  if (typeof given !== 'function') {
    const fixed = Object.freeze({ ...given })
    return async () => fixed
  }
  return memoize(
    given,
    (credentials) =>
      credentials.expiration !== undefined &&
      credentials.expiration.getTime() - Date.now() < CREDENTIAL_REFRESH_MS,
    (credentials) => credentials.expiration !== undefined,
  )
}
