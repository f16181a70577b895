import { createHash, timingSafeEqual } from 'node:crypto'
import { accessDeniedHints as hints } from './access-denied-hints.ts'
import type { DsqlAction, LocalPrincipal } from './local-principal.ts'
import { presignedSignature } from './sigv4-presigned-signature.ts'

/** What a token is checked against. */
export interface TokenCheck {
  /** The cluster endpoint the token must be signed for (`host`). */
  readonly endpoint: string
  /** The region in the token's credential scope. */
  readonly region: string
  /** The local credential store, by access key ID. */
  readonly principals: ReadonlyMap<string, LocalPrincipal>
  /** The current time, in ms since the epoch. */
  readonly nowMs: number
  /** How far in the future `X-Amz-Date` may lie (clocks drift). */
  readonly clockSkewMs: number
}

/** A verified token: who signed it and for which action. */
export interface AcceptedToken {
  readonly ok: true
  readonly principal: LocalPrincipal
  readonly action: DsqlAction
}

/** A refused token: the exact reason for the stand-in's log and the hint for the client (never the token itself). */
export interface RefusedToken {
  readonly ok: false
  readonly reason: string
  /** What DSQL would put in the HINT field, from {@link accessDeniedHints}. */
  readonly hint: string
}

/** The longest lifetime SigV4 allows a presigned URL, and so a DSQL token: one week. */
export const maxTokenLifetimeSeconds = 604_800

const requiredParams = [
  'Action',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
] as const

/**
 * Checks a DSQL IAM auth token the way DSQL does: a SigV4 presigned `GET /` for `host` =
 * the endpoint, service `dsql`, the region, `AWS4-HMAC-SHA256`, signed headers `host`, a
 * credential-scope date equal to the date of `X-Amz-Date`, `X-Amz-Expires` of at most one week,
 * not expired, not dated in the future beyond the clock skew, a known access key (and its session
 * token, if it has one) and a matching signature, compared in constant time.
 *
 * @example
 * ```ts
 * const result = verifyDsqlToken(password, { endpoint, region, principals, nowMs: Date.now(), clockSkewMs: 300_000 })
 * if (!result.ok) logger.warn(`refused: ${result.reason}`)
 * ```
 */
export function verifyDsqlToken(token: string, check: TokenCheck): AcceptedToken | RefusedToken {
  const refuse = (reason: string, hint = hints.malformed()): RefusedToken => ({
    ok: false,
    reason,
    hint,
  })
  if (token.length === 0) return refuse('empty password: a DSQL IAM auth token is required')
  if (token.length > 8192) return refuse('password too long to be a DSQL token')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(token)) {
    return refuse('token starts with a URL scheme; DSQL tokens are "<host>/?<query>"')
  }
  const slash = token.indexOf('/')
  if (slash <= 0 || token[slash + 1] !== '?') {
    return refuse('password is not a DSQL token (expected "<host>/?Action=...")')
  }
  const host = token.slice(0, slash)
  const query = parseQuery(token.slice(slash + 2))
  if (typeof query === 'string') return refuse(query)
  for (const name of requiredParams) {
    if (!query.has(name)) return refuse(`token lacks the ${name} parameter`)
  }
  const param = (name: (typeof requiredParams)[number]): string => query.get(name) ?? ''

  if (host.toLowerCase() !== check.endpoint.toLowerCase()) {
    return refuse(
      `token was signed for host ${shown(host)}, not for "${check.endpoint}"`,
      hints.signatureMismatch(),
    )
  }
  const action = param('Action')
  if (action !== 'DbConnect' && action !== 'DbConnectAdmin') {
    return refuse(`token was signed for Action ${shown(action)}, not DbConnect or DbConnectAdmin`)
  }
  if (param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    return refuse(`token uses algorithm ${shown(param('X-Amz-Algorithm'))}, not AWS4-HMAC-SHA256`)
  }
  const credential = param('X-Amz-Credential').split('/')
  if (credential.length !== 5) return refuse('token has a malformed X-Amz-Credential')
  const [accessKeyId = '', scopeDate = '', region = '', service = '', terminator = ''] = credential
  if (region !== check.region) {
    return refuse(
      `token was signed for region ${shown(region)}, not for "${check.region}"`,
      hints.wrongRegion(),
    )
  }
  if (service !== 'dsql') {
    return refuse(
      `token was signed for service ${shown(service)}, not "dsql"`,
      hints.wrongService(),
    )
  }
  if (terminator !== 'aws4_request')
    return refuse('token credential scope does not end in aws4_request')
  if (param('X-Amz-SignedHeaders') !== 'host') {
    return refuse(`token signs headers ${shown(param('X-Amz-SignedHeaders'))}, DSQL expects "host"`)
  }

  const amzDate = param('X-Amz-Date')
  const signedAtMs = parseAmzDate(amzDate)
  if (signedAtMs === undefined) return refuse(`token has a malformed X-Amz-Date ${shown(amzDate)}`)
  if (amzDate.slice(0, 8) !== scopeDate) {
    return refuse(`credential scope date ${shown(scopeDate)} differs from X-Amz-Date ${amzDate}`)
  }
  const expires = param('X-Amz-Expires')
  if (!/^[0-9]{1,7}$/.test(expires) || Number(expires) < 1) {
    return refuse(`token has a malformed X-Amz-Expires ${shown(expires)}`)
  }
  const lifetimeSeconds = Number(expires)
  if (lifetimeSeconds > maxTokenLifetimeSeconds) {
    return refuse(
      `X-Amz-Expires ${lifetimeSeconds} exceeds the maximum of ${maxTokenLifetimeSeconds} s`,
    )
  }
  if (signedAtMs - check.clockSkewMs > check.nowMs) {
    return refuse(
      `token is dated in the future (${new Date(signedAtMs).toISOString()})`,
      hints.notYetCurrent(amzDate, check.nowMs, check.clockSkewMs),
    )
  }
  const expiresAtMs = signedAtMs + lifetimeSeconds * 1000
  if (check.nowMs > expiresAtMs) {
    return refuse(
      `token expired at ${new Date(expiresAtMs).toISOString()} (signed ${new Date(signedAtMs).toISOString()}, valid ${lifetimeSeconds} s)`,
      hints.expired(amzDate, check.nowMs, lifetimeSeconds),
    )
  }

  const principal = check.principals.get(accessKeyId)
  if (principal === undefined) {
    return refuse(`unknown access key ID ${shown(accessKeyId)}`, hints.invalidKey())
  }
  const sessionToken = query.get('X-Amz-Security-Token')
  if (principal.sessionToken !== undefined || sessionToken !== undefined) {
    if (principal.sessionToken === undefined) {
      return refuse(
        `token carries a session token, access key ${shown(accessKeyId)} has none`,
        hints.invalidKey(),
      )
    }
    if (sessionToken === undefined || !sameSecret(sessionToken, principal.sessionToken)) {
      return refuse(
        `session token does not match access key ${shown(accessKeyId)}`,
        hints.invalidKey(),
      )
    }
  }

  const signature = param('X-Amz-Signature')
  if (!/^[0-9a-f]{64}$/.test(signature)) return refuse('token has a malformed X-Amz-Signature')
  const signed = new Map(query)
  signed.delete('X-Amz-Signature')
  const expected = presignedSignature(
    { host, query: signed, amzDate, scope: `${scopeDate}/${region}/${service}/${terminator}` },
    principal.secretAccessKey,
  )
  if (!timingSafeEqual(Buffer.from(signature, 'hex'), Buffer.from(expected, 'hex'))) {
    return refuse(
      `signature does not match (access key ${shown(accessKeyId)})`,
      hints.signatureMismatch(),
    )
  }
  return { ok: true, principal, action }
}

function parseQuery(text: string): Map<string, string> | string {
  const query = new Map<string, string>()
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) return 'token has a malformed query string'
    let key: string
    let value: string
    try {
      key = decodeURIComponent(pair.slice(0, eq))
      value = decodeURIComponent(pair.slice(eq + 1))
    } catch {
      return 'token has a malformed query string'
    }
    if (query.has(key)) return `token repeats the ${shown(key)} parameter`
    query.set(key, value)
  }
  return query
}

function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (match === null) return undefined
  const [, year, month, day, hour, minute, second] = match.map(Number)
  const ms = Date.UTC(year ?? 0, (month ?? 0) - 1, day, hour, minute, second)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * A value taken from the token, as the log shows it: quoted and escaped (a decoded `%0A` must not
 * start a forged log line) and cut short. Never used for the signature or the session token.
 */
function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value)
}

/** Constant-time equality of two strings of any length (hash first, so lengths do not leak). */
function sameSecret(a: string, b: string): boolean {
  const hash = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(hash(a), hash(b))
}
