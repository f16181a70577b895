import { fromNodeProviderChain } from '@aws-sdk/credential-providers'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { createTokenProvider } from 'dsql-auth'
import type { TokenResult } from '../bench-results.ts'
import type { DsqlTarget } from '../bench-target.ts'

/** One way of obtaining the token for a new connection. */
export type TokenMethod = TokenResult['method']

/** Obtains one token; the token itself is dropped by the caller, never shown. */
export type AcquireToken = () => Promise<string>

/** The three methods, in the order they are measured. */
export const TOKEN_METHODS: readonly TokenMethod[] = Object.freeze([
  'cached',
  'signed',
  'new-chain',
])

/** The timed functions of {@link tokenMethods}, and how to release what they hold. */
export interface TokenMethods {
  readonly acquire: Readonly<Record<TokenMethod, AcquireToken>>
  /** Closes the `cached` method's provider (it holds no timer; this drops its token). */
  close(): void
}

/**
 * How each {@link TokenMethod} obtains a token for `target`, ready to be timed (anything a method
 * does once, it has done before this resolves):
 *
 * - `cached`: `createTokenProvider(target.config)` of `dsql-auth`, called once here so that its
 *   cache holds a token; each call then costs what the templates' `password` function costs a new
 *   connection as long as the token is fresh.
 * - `signed`: credentials resolved once here through the default chain; each call builds a
 *   `DsqlSigner` with them and presigns (SigV4, local HMAC work), as `dsql-auth` does when its
 *   cached token is due: `getDbConnectAdminAuthToken()` for `admin`, `getDbConnectAuthToken()` else.
 * - `new-chain`: what `@aws/aurora-dsql-node-postgres-connector` 0.1.9 does in
 *   `AuroraDSQLPool.connect()`, copied call for call: a new `fromNodeProviderChain({ profile })`
 *   (a default credential chain of its own, shared with nothing), a new `DsqlSigner` with it, and
 *   one signature, for which the new chain is resolved. The connector does this at every checkout
 *   of its pool (`pool.query()` checks out too), not only when a physical connection is opened.
 *
 * The default chain reads `process.env`: call this, and the functions it returns, inside
 * `withEnv(target.env, ...)`. With the stand-in's environment a chain stops at its first link,
 * the environment keys (`AWS_PROFILE` is empty there): the cheapest case for `new-chain`. With
 * another source each new chain goes to it again: it reads a profile's files or, for SSO and
 * container or instance roles, asks over the network.
 *
 * @example
 * ```ts
 * const methods = await withEnv(target.env, () => tokenMethods(target))
 * await methods.acquire.signed()
 * methods.close()
 * ```
 */
export async function tokenMethods(target: DsqlTarget): Promise<TokenMethods> {
  const { config, endpoint: hostname, region } = target
  const admin = config.user === 'admin'
  const sign = (signer: DsqlSigner) =>
    admin ? signer.getDbConnectAdminAuthToken() : signer.getDbConnectAuthToken()

  const provider = createTokenProvider(config)
  try {
    await provider()
    const credentials = await fromNodeProviderChain({ profile: config.profile })()
    const expiresIn = config.tokenLifetimeSeconds
    return {
      acquire: Object.freeze({
        cached: provider,
        signed: () => sign(new DsqlSigner({ hostname, region, credentials, expiresIn })),
        'new-chain': () =>
          sign(
            new DsqlSigner({
              hostname,
              region,
              credentials: fromNodeProviderChain({ profile: config.profile }),
            }),
          ),
      }),
      close: () => provider.close(),
    }
  } catch (error) {
    provider.close()
    throw error
  }
}
