import { DsqlSigner } from '@aws-sdk/dsql-signer'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types'
import { checkTokenSettings } from './check-token-settings.ts'
import { isHost } from './cluster-endpoint.ts'
import { credentialSource } from './credential-source.ts'
import { DsqlAuthError } from './errors.ts'
import type { DsqlConfig } from './load-config.ts'
import { isTokenRefusal } from './sql-state.ts'
import { TOKEN_DEFAULTS } from './token-defaults.ts'

/** The IAM action a token grants: `DbConnectAdmin` for the `admin` role, `DbConnect` for any other. */
export type DsqlAction = 'DbConnect' | 'DbConnectAdmin'

/** What a {@link TokenProvider} reports each time it signs a token. It never carries the token. */
export interface TokenRefreshEvent {
  /** When the token was signed. */
  readonly at: Date
  /**
   * When the token stops being accepted for new connections: its own lifetime's end, or the expiry
   * of the temporary credentials that signed it, whichever comes first.
   */
  readonly expiresAt: Date
  /** The action the token is signed for. */
  readonly action: DsqlAction
  /** The database role the token is for. */
  readonly user: string
  /** The endpoint the token is signed for. */
  readonly endpoint: string
  /**
   * Why it was signed: first use; the cached token reached the refresh interval (`interval`) or
   * came within a minute of its credentials' expiry (`credentials`); the cached token was reported
   * refused (`refused`); or caching is off (`uncached`).
   */
  readonly reason: 'first' | 'interval' | 'credentials' | 'refused' | 'uncached'
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
   * again only when the credentials it gave are about to expire, or after a refused token was
   * reported ({@link TokenProvider.reportConnectError}).
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
  /**
   * Tells the provider that a connection failed to open. When `error` is Aurora DSQL refusing the
   * token (SQLSTATE `08006`, `unable to accept connection, access denied`, also inside a `cause`
   * chain), the cached token is dropped and the next one is signed with credentials asked for
   * again; the drivers cannot tell the provider themselves. Returns whether it was such a refusal;
   * any other error is ignored, so it is safe to pass every connect error. Always `false` with IAM off.
   *
   * @example
   * ```ts
   * const client = await pool.connect().catch((error) => {
   *   password.reportConnectError(error)
   *   throw error
   * })
   * ```
   */
  reportConnectError(error: unknown): boolean
  /**
   * Forgets the cached token; later calls reject, and so do calls still waiting for a token being
   * signed (the pool is shutting down). Holds no timer, so nothing else needs stopping.
   */
  close(): void
}

/** A role name that needs no quoting, safe to show in a message. */
const PLAIN_ROLE = /^[a-z_][a-z0-9_$-]{0,62}$/i

/** A signed token and until when it may be handed out again. */
interface SignedToken {
  readonly token: string
  /** Until when the token may be handed out (ms since the epoch). */
  readonly reusableUntil: number
  /** What ends its reuse: the refresh interval, or its credentials' expiry. */
  readonly endsBy: 'interval' | 'credentials'
  /** How many refusals had been reported when it was signed. */
  readonly refusalsSeen: number
}

/**
 * Creates the password function that hands IAM auth tokens to a driver.
 *
 * - The role `admin` gets `DbConnectAdmin` tokens; every other role gets `DbConnect`.
 * - With `refreshToken` on, one token is cached and handed out until it is
 *   `tokenRefreshIntervalSeconds` old, or until one minute before the temporary credentials that
 *   signed it expire (`TOKEN_DEFAULTS.credentialMarginSeconds`), whichever comes first; concurrent
 *   callers share one signing. With it off, every call signs.
 * - A token DSQL refused, once reported through `reportConnectError`, is not handed out again.
 * - Credentials are resolved through one memoized provider, never once per connection.
 * - No timer runs: tokens are signed on demand (local HMAC work, well under a millisecond).
 *
 * @throws {DsqlConfigError} synchronously, when the timing or region settings cannot work.
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
  let cached: SignedToken | undefined
  let inflight: Promise<SignedToken> | undefined
  const closedError = () =>
    new DsqlAuthError('This token provider was closed; create a new one to open connections.')
  const close = () => {
    closed = true
    cached = undefined
  }

  if (!config.useIam) {
    const password = config.password ?? ''
    const staticProvider = async () => {
      if (closed) throw closedError()
      return password
    }
    return Object.assign(staticProvider, { reportConnectError: () => false, close })
  }

  const region = checkTokenSettings(config)
  // Shown in auth errors only when plain: a hand-built config may hold anything.
  const target = [
    PLAIN_ROLE.test(config.user) ? `user "${config.user}"` : 'the user',
    isHost(config.endpoint) ? `at ${config.endpoint}` : 'at the endpoint',
    `(${region})`,
  ].join(' ')
  const action: DsqlAction = config.user === 'admin' ? 'DbConnectAdmin' : 'DbConnect'
  const lifetimeMs = config.tokenLifetimeSeconds * 1000
  const intervalMs = config.tokenRefreshIntervalSeconds * 1000
  const credentialMarginMs = TOKEN_DEFAULTS.credentialMarginSeconds * 1000
  const credentials = credentialSource(options.credentials, config.profile)
  // Refusals reported, and how many of them a credential resolution has answered.
  let refusalsReported = 0
  let refusalsAnswered = 0

  const sign = async (reason: TokenRefreshEvent['reason']): Promise<SignedToken> => {
    const at = Date.now()
    const refusalsSeen = refusalsReported
    let identity: AwsCredentialIdentity
    let token: string
    try {
      identity = await credentials(refusalsSeen > refusalsAnswered)
      // Signed with the credentials in hand, so that their expiry is known.
      const signer = new DsqlSigner({
        hostname: config.endpoint,
        region,
        credentials: identity,
        expiresIn: config.tokenLifetimeSeconds,
      })
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
    refusalsAnswered = Math.max(refusalsAnswered, refusalsSeen)
    const credentialsExpireAt = identity.expiration?.getTime() ?? Number.POSITIVE_INFINITY
    try {
      options.onRefresh?.({
        at: new Date(at),
        expiresAt: new Date(Math.min(at + lifetimeMs, credentialsExpireAt)),
        action,
        user: config.user,
        endpoint: config.endpoint,
        reason,
      })
    } catch {
      // A failing observer must not fail a connection.
    }
    const byInterval = at + intervalMs
    const byCredentials = credentialsExpireAt - credentialMarginMs
    return {
      token,
      reusableUntil: Math.min(byInterval, byCredentials),
      endsBy: byCredentials < byInterval ? 'credentials' : 'interval',
      refusalsSeen,
    }
  }

  /** Hands out a signed token, unless the provider was closed while it was being signed. */
  const handOut = async (signing: Promise<SignedToken>): Promise<string> => {
    const { token } = await signing
    if (closed) throw closedError()
    return token
  }

  const provider = async (): Promise<string> => {
    if (closed) throw closedError()
    if (!config.refreshToken) return handOut(sign('uncached'))
    if (cached !== undefined && Date.now() < cached.reusableUntil) return cached.token
    if (inflight === undefined) {
      const reason = cached?.endsBy ?? (refusalsReported > 0 ? 'refused' : 'first')
      inflight = sign(reason)
        .then((signed) => {
          // Not kept when closed meanwhile, or when a refusal reported meanwhile may concern it.
          if (!closed && signed.refusalsSeen === refusalsReported) cached = signed
          return signed
        })
        .finally(() => {
          inflight = undefined
        })
    }
    return handOut(inflight)
  }

  const reportConnectError = (error: unknown): boolean => {
    if (!isTokenRefusal(error)) return false
    refusalsReported++
    cached = undefined
    return true
  }

  return Object.assign(provider, { reportConnectError, close })
}
