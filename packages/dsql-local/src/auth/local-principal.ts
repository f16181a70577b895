/**
 * One entry of the stand-in's local credential store: an access key as the AWS SDK would resolve
 * it, and the IAM ARN it stands for (the ARN that `AWS IAM GRANT <role> TO '<arn>'` names).
 *
 * @example
 * ```ts
 * const principal: LocalPrincipal = {
 *   accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
 *   secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
 *   arn: 'arn:aws:iam::111122223333:role/app',
 * }
 * ```
 */
export interface LocalPrincipal {
  /** The access key ID found in the token's `X-Amz-Credential`. */
  readonly accessKeyId: string
  /** The secret the token must be signed with. */
  readonly secretAccessKey: string
  /** When set, the token must carry exactly this `X-Amz-Security-Token` (temporary credentials). */
  readonly sessionToken?: string
  /** The IAM principal, e.g. `arn:aws:iam::111122223333:role/app`. */
  readonly arn: string
  /**
   * The IAM actions this principal's policy allows, as with `dsql:DbConnect` and
   * `dsql:DbConnectAdmin` in an IAM policy. Default: both.
   */
  readonly allowedActions?: readonly DsqlAction[]
}

/** The two IAM actions a DSQL token can be signed for. `DbConnectAdmin` is for the `admin` role only. */
export type DsqlAction = 'DbConnect' | 'DbConnectAdmin'
