import { fromNodeProviderChain } from '@aws-sdk/credential-providers'
import { memoize } from '@smithy/property-provider'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types'

/**
 * Resolves the credentials to sign with. Resolved once and reused until they come near their
 * expiry; `forceRefresh` asks the source again at once (after DSQL refused a token).
 */
export type CredentialSource = (forceRefresh: boolean) => Promise<AwsCredentialIdentity>

/** Credentials are refreshed this long before they expire (as the AWS SDK's own clients do). */
const CREDENTIAL_REFRESH_MS = 5 * 60_000

/**
 * The one credential source of a token provider: `given` credentials as they are, a `given`
 * provider memoized, or else the Node.js default chain (`fromNodeProviderChain`, with `profile`),
 * which memoizes itself. Credential resolution may reach the network (IMDS, SSO, STS), so it is
 * built once per token provider and never asked once per connection.
 *
 * @example
 * ```ts
 * const credentials = credentialSource(undefined, 'dev')
 * const identity = await credentials(false)
 * ```
 */
export function credentialSource(
  given: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined,
  profile: string | undefined,
): CredentialSource {
  if (given === undefined) {
    const chain = fromNodeProviderChain(profile === undefined ? {} : { profile })
    return (forceRefresh) => chain(forceRefresh ? { forceRefresh } : undefined)
  }
  if (typeof given !== 'function') {
    const fixed = Object.freeze({ ...given })
    return async () => fixed
  }
  const memoized = memoize(
    given,
    (credentials) =>
      credentials.expiration !== undefined &&
      credentials.expiration.getTime() - Date.now() < CREDENTIAL_REFRESH_MS,
    (credentials) => credentials.expiration !== undefined,
  )
  return (forceRefresh) => memoized(forceRefresh ? { forceRefresh } : undefined)
}
