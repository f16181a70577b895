import type { ConnectBreakdown } from '../bench-results.ts'

/** One timed step of a new connection: its key in `ConnectBreakdown['parts']` and its name. */
export type BreakdownPart = readonly [key: keyof ConnectBreakdown['parts'], label: string]

/**
 * The steps every new connection of a running program pays for, in the order they happen: the
 * template's token provider called with its token cached, then TCP, TLS, authentication, session
 * setup and the first query: what `ConnectBreakdown['totalMs']` is made of.
 *
 * @example
 * ```ts
 * CONNECTION_PARTS.map(([key, label]) => `${label}: ${breakdown.parts[key]} ms`)
 * ```
 */
export const CONNECTION_PARTS: readonly BreakdownPart[] = Object.freeze([
  ['cachedTokenMs', 'cached token'],
  ['tcpMs', 'TCP'],
  ['tlsMs', 'TLS'],
  ['authMs', 'auth'],
  ['sessionMs', 'session'],
  ['firstQueryMs', 'first query'],
] as const)

/**
 * The steps a new token provider takes once, in place of the cached token, before its first
 * connection: resolving credentials (a new default credential chain) and signing a token. With
 * the steps after the token they make up `ConnectBreakdown['coldTotalMs']`.
 *
 * @example
 * ```ts
 * PROVIDER_PARTS.reduce((sum, [key]) => sum + breakdown.parts[key], 0)
 * ```
 */
export const PROVIDER_PARTS: readonly BreakdownPart[] = Object.freeze([
  ['credentialsMs', 'credentials'],
  ['tokenMs', 'signing'],
] as const)
