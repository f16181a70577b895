import { isIP } from 'node:net'

/** A cluster id: 26 lowercase letters and digits, as Aurora DSQL assigns them. */
const CLUSTER_ID = /^[a-z0-9]{26}$/

/** `<cluster-id>.dsql.<region>.on.aws` (also `.dsql-<suffix>.` names some regions use). */
const DSQL_HOST = /^[a-z0-9]+\.dsql[a-z0-9-]*\.([a-z]{2}(?:-[a-z]+)+-\d+)\.on\.aws$/

/** An AWS region name such as `us-east-1` or `us-gov-west-1`. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/

/** A DNS name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i

/**
 * Whether `value` is a bare Aurora DSQL cluster id (26 lowercase letters and digits).
 *
 * @example
 * ```ts
 * isClusterId('abcdefghijklmnopqrstuvwxyz') // true
 * ```
 */
export function isClusterId(value: string): boolean {
  return CLUSTER_ID.test(value)
}

/**
 * Expands a bare cluster id to its endpoint name; returns anything else unchanged.
 *
 * @example
 * ```ts
 * clusterHost('abcdefghijklmnopqrstuvwxyz', 'us-east-1') // 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'
 * ```
 */
export function clusterHost(endpointOrId: string, region: string): string {
  return isClusterId(endpointOrId) ? `${endpointOrId}.dsql.${region}.on.aws` : endpointOrId
}

/**
 * The region named inside a `<id>.dsql.<region>.on.aws` endpoint, or `undefined` for other names.
 *
 * @example
 * ```ts
 * regionFromEndpoint('abc.dsql.eu-west-1.on.aws') // 'eu-west-1'
 * ```
 */
export function regionFromEndpoint(endpoint: string): string | undefined {
  return DSQL_HOST.exec(endpoint.toLowerCase())?.[1]
}

/** Whether `value` looks like an AWS region name (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`). */
export function isRegion(value: string): boolean {
  return REGION.test(value)
}

/** Whether `value` is a host name or an IP address that a socket can connect to. */
export function isHost(value: string): boolean {
  return isIP(value) !== 0 || HOST_NAME.test(value)
}
