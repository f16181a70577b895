/**
 * The HINT that goes with DSQL's `unable to accept connection, access denied`, one entry per reason
 * class the stand-in tells apart. The client reads only this; the stand-in's log keeps the exact
 * reason. A hint never contains the token, its signature, a secret key or a session token.
 *
 * Sources, per entry: `dsql-facts.md` (observed from DSQL), or AWS's usual SigV4/IAM wording for the
 * same failure elsewhere (not observed from DSQL: *medium confidence*), or the stand-in's own
 * wording where neither is known (*low confidence*). A change in DSQL's wording is a one-entry change.
 *
 * @example
 * ```ts
 * errorResponse({ severity: 'FATAL', code: '08006', message: 'unable to accept connection, access denied',
 *   hint: accessDeniedHints.wrongAction('admin', 'DbConnect') })
 * ```
 */
export const accessDeniedHints = {
  /** dsql-facts.md: the token's action does not fit the user (`DbConnectAdmin` is for `admin` only). */
  wrongAction: (user: string, action: string) =>
    `Wrong user to action mapping. user: ${user}, action: ${action}`,
  /**
   * dsql-facts.md gives `Signature expired: ...`; the rest is SigV4's usual wording (medium confidence).
   * Times are `X-Amz-Date`-style (`20260101T000000Z`).
   */
  expired: (signedAt: string, nowMs: number, lifetimeSeconds: number) =>
    `Signature expired: ${signedAt} is now earlier than ${amzDate(nowMs - lifetimeSeconds * 1000)} (${amzDate(nowMs)} - ${lifetimeSeconds} sec.)`,
  /** SigV4's usual wording for a date beyond the allowed clock skew (medium confidence). */
  notYetCurrent: (signedAt: string, nowMs: number, clockSkewMs: number) =>
    `Signature not yet current: ${signedAt} is still later than ${amzDate(nowMs + clockSkewMs)} (${amzDate(nowMs)} + ${Math.round(clockSkewMs / 60_000)} min.)`,
  /**
   * dsql-facts.md: the principal's policy does not allow the action. Also used when no
   * `AWS IAM GRANT` maps the principal to the role: DSQL's text for that case is not in the facts
   * (medium confidence).
   */
  notAuthorized: (arn: string, action: string, resource: string) =>
    `User: ${arn} is not authorized to perform: dsql:${action} on resource: ${resource}`,
  /**
   * AWS's usual `SignatureDoesNotMatch` text (medium confidence). Also for a token signed for another
   * host: the host is part of what is signed, so DSQL computes a different signature.
   */
  signatureMismatch: () =>
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  /** AWS's usual `InvalidClientTokenId` text: unknown access key or wrong session token (medium confidence). */
  invalidKey: () => 'The security token included in the request is invalid.',
  /** AWS's usual text for a credential scope with another region (medium confidence). */
  wrongRegion: () => 'Credential should be scoped to a valid region.',
  /** AWS's usual text for a credential scope with another service (medium confidence). */
  wrongService: () => "Credential should be scoped to correct service: 'dsql'.",
  /** Not a well-formed DSQL token at all; the stand-in's own wording (low confidence). */
  malformed: () => 'The password is not a well-formed IAM authentication token.',
} as const

/**
 * The ARN of the cluster behind `endpoint`, as DSQL names it in `not authorized` hints. The stand-in
 * has no account of its own: it uses the account of the principal that asked.
 *
 * @example
 * ```ts
 * clusterArn('abc...xyz.dsql.us-east-1.on.aws', 'us-east-1', 'arn:aws:iam::111122223333:role/app')
 * // 'arn:aws:dsql:us-east-1:111122223333:cluster/abc...xyz'
 * ```
 */
export function clusterArn(endpoint: string, region: string, principalArn: string): string {
  const account = principalArn.split(':')[4] ?? ''
  return `arn:aws:dsql:${region}:${account}:cluster/${endpoint.split('.')[0] ?? endpoint}`
}

/** A time as SigV4 writes it: `20260101T000000Z`. */
function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}
