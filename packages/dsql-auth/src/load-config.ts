import { accessSync, constants } from 'node:fs'
import {
  clusterHost,
  isClusterId,
  isHost,
  isRegion,
  regionFromEndpoint,
} from './cluster-endpoint.ts'
import { type ConfigProblem, DsqlConfigError } from './errors.ts'
import { refreshMarginProblem, TOKEN_DEFAULTS } from './token-defaults.ts'
import { got, hostProblem, NOT_SHOWN } from './value-in-message.ts'

/**
 * Everything needed to reach an Aurora DSQL cluster (or a plain PostgreSQL server), read from the
 * environment by {@link loadConfig}. Frozen; `password` is not enumerable, so logging the config
 * never shows it.
 */
export interface DsqlConfig {
  /** Host name the IAM token is signed for and the TLS certificate is checked against (`CLUSTER_ENDPOINT`). */
  readonly endpoint: string
  /** Host the socket connects to (`DB_HOST`, default: the endpoint). */
  readonly host: string
  /** TCP port (`DB_PORT`, default 5432). */
  readonly port: number
  /**
   * AWS region tokens are signed for: the one a `<id>.dsql.<region>.on.aws` endpoint names, else
   * `REGION`, `AWS_REGION` or `AWS_DEFAULT_REGION`. `undefined` only when IAM is off and none was given.
   */
  readonly region: string | undefined
  /** The cluster's admin user name (`CLUSTER_USER`, default `admin`). */
  readonly clusterUser: string
  /** Database role to log in as (`DB_USER`, default: `CLUSTER_USER`). */
  readonly user: string
  /** Database name (`DB_NAME`, default `postgres`, the only database of a DSQL cluster). */
  readonly database: string
  /** Whether the password is an IAM auth token (`DB_USE_IAM`, default true). */
  readonly useIam: boolean
  /** Static password for plain PostgreSQL (`DB_PASSWORD`), only when `useIam` is false. Not enumerable. */
  readonly password: string | undefined
  /** Whether tokens are cached and reused until `tokenRefreshIntervalSeconds` (`DB_REFRESH_TOKEN`, default true). */
  readonly refreshToken: boolean
  /** Age in seconds after which a cached token is replaced (`TOKEN_REFRESH_INTERVAL`, default 900). */
  readonly tokenRefreshIntervalSeconds: number
  /** Lifetime in seconds written into each token (`TOKEN_LIFETIME`, default interval + 300). */
  readonly tokenLifetimeSeconds: number
  /** AWS shared-config profile for credentials (`AWS_PROFILE`), if any. */
  readonly profile: string | undefined
  /** Path of an extra CA certificate (PEM) to trust (`DB_SSL_ROOT_CERT`), if any. */
  readonly sslRootCert: string | undefined
}

/** The environment shape {@link loadConfig} reads: any string map, such as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>

/**
 * Where the region may be given for an endpoint that does not name one (a bare cluster id, another
 * host name), first match wins. For a DSQL endpoint, only `REGION` is read, and must agree.
 */
const REGION_VARIABLES = ['REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const
const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/**
 * Reads the Aurora DSQL connection settings from `env` (default `process.env`) and returns them
 * validated and frozen. Variable names and defaults follow the original Go `pgx` example.
 * Empty variables count as unset. The region inside a `<id>.dsql.<region>.on.aws` endpoint is the
 * signing region: `AWS_REGION` never overrides it, and a `REGION` that contradicts it is an error.
 *
 * @throws {DsqlConfigError} listing every missing or bad value at once, each with an example.
 * @example
 * ```ts
 * const config = loadConfig() // CLUSTER_ENDPOINT=abc...xyz.dsql.us-east-1.on.aws
 * config.region // 'us-east-1', read from the endpoint
 * config.user   // 'admin'
 * ```
 */
export function loadConfig(env: Env = process.env): DsqlConfig {
  const problems: ConfigProblem[] = []
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim()
    return value === '' ? undefined : value
  }
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = get(name)
    if (raw === undefined) return fallback
    const value = raw.toLowerCase()
    if (TRUE.has(value)) return true
    if (FALSE.has(value)) return false
    problems.push({
      variable: name,
      problem: `must be true or false (or 1/0, yes/no, on/off), ${got(raw)}`,
      example: `${name}=${fallback}`,
    })
    return fallback
  }
  const int = (
    name: string,
    fallback: number,
    min: number,
    max: number,
    example: number,
  ): number => {
    const raw = get(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (/^\d+$/.test(raw) && value >= min && value <= max) return value
    problems.push({
      variable: name,
      problem: `must be a whole number from ${min} to ${max}, ${got(raw)}`,
      example: `${name}=${example}`,
    })
    return fallback
  }

  const useIam = bool('DB_USE_IAM', true)
  const rawEndpoint = get('CLUSTER_ENDPOINT')
  const rawHost = get('DB_HOST')

  let endpoint = rawEndpoint ?? rawHost ?? ''
  const endpointVariable = rawEndpoint !== undefined ? 'CLUSTER_ENDPOINT' : 'DB_HOST'

  // A DSQL endpoint names its cluster's region, the one its tokens must be signed for. REGION may
  // repeat it. AWS_REGION and AWS_DEFAULT_REGION say where the process runs (Lambda and ECS always
  // set AWS_REGION), not where the cluster is: they count only for endpoints that name no region.
  const endpointRegion = regionFromEndpoint(endpoint)
  const regionVariable = (
    endpointRegion === undefined ? REGION_VARIABLES : (['REGION'] as const)
  ).find((name) => get(name) !== undefined)
  const givenRegion = regionVariable === undefined ? undefined : get(regionVariable)
  if (regionVariable !== undefined && givenRegion !== undefined && !isRegion(givenRegion)) {
    problems.push({
      variable: regionVariable,
      problem: `is not an AWS region name (lower case, like us-east-1); the value is ${NOT_SHOWN}`,
      example: `${regionVariable}=${endpointRegion ?? 'us-east-1'}`,
    })
  } else if (
    givenRegion !== undefined &&
    endpointRegion !== undefined &&
    givenRegion !== endpointRegion
  ) {
    problems.push({
      variable: 'REGION',
      problem: `is ${givenRegion}, but ${endpointVariable} names a cluster in ${endpointRegion}: tokens are signed for the cluster's region, so leave REGION unset or make it agree`,
      example: `REGION=${endpointRegion}`,
    })
  }
  const region =
    endpointRegion ?? (givenRegion !== undefined && isRegion(givenRegion) ? givenRegion : undefined)

  if (endpoint === '') {
    problems.push({
      variable: 'CLUSTER_ENDPOINT',
      problem: 'is required (or DB_HOST, for a server reached by another name)',
      example: 'CLUSTER_ENDPOINT=abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws',
    })
  } else if (!isHost(endpoint)) {
    problems.push({
      variable: endpointVariable,
      problem: hostProblem(endpoint),
      example: `${endpointVariable}=abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws`,
    })
  } else if (isClusterId(endpoint) && region !== undefined) {
    endpoint = clusterHost(endpoint, region)
  } else if (
    region === undefined &&
    givenRegion === undefined &&
    (useIam || isClusterId(endpoint))
  ) {
    problems.push({
      variable: 'REGION',
      problem: isClusterId(endpoint)
        ? 'is required when CLUSTER_ENDPOINT is a bare cluster id'
        : `is required: it cannot be read from the endpoint "${endpoint}", which is not of the form <id>.dsql.<region>.on.aws`,
      example: 'REGION=us-east-1',
    })
  }

  const host = rawHost ?? endpoint
  if (rawHost !== undefined && rawEndpoint !== undefined && !isHost(rawHost)) {
    problems.push({
      variable: 'DB_HOST',
      problem: hostProblem(rawHost),
      example: 'DB_HOST=127.0.0.1',
    })
  }

  const port = int('DB_PORT', 5432, 1, 65535, 5432)
  const clusterUser = get('CLUSTER_USER') ?? 'admin'
  const user = get('DB_USER') ?? clusterUser
  const database = get('DB_NAME') ?? 'postgres'
  const refreshToken = bool('DB_REFRESH_TOKEN', true)
  const { maxLifetimeSeconds, minMarginSeconds, refreshIntervalSeconds } = TOKEN_DEFAULTS
  const tokenRefreshIntervalSeconds = int(
    'TOKEN_REFRESH_INTERVAL',
    refreshIntervalSeconds,
    1,
    maxLifetimeSeconds - minMarginSeconds,
    refreshIntervalSeconds,
  )
  const lifetimeFallback = TOKEN_DEFAULTS.lifetimeFor(tokenRefreshIntervalSeconds, refreshToken)
  const tokenLifetimeSeconds = int(
    'TOKEN_LIFETIME',
    lifetimeFallback,
    1,
    maxLifetimeSeconds,
    lifetimeFallback,
  )
  const margin = refreshMarginProblem(tokenLifetimeSeconds, tokenRefreshIntervalSeconds, {
    lifetime: 'TOKEN_LIFETIME',
    interval: 'TOKEN_REFRESH_INTERVAL',
    example: (seconds) => `TOKEN_LIFETIME=${seconds}`,
  })
  if (useIam && refreshToken && margin !== undefined) problems.push(margin)

  const password = get('DB_PASSWORD')
  if (!useIam && password === undefined) {
    problems.push({
      variable: 'DB_PASSWORD',
      problem: 'is required when DB_USE_IAM=false',
      example: 'DB_PASSWORD=<your password>',
    })
  }

  const sslRootCert = get('DB_SSL_ROOT_CERT')
  if (sslRootCert !== undefined) {
    try {
      accessSync(sslRootCert, constants.R_OK)
    } catch {
      problems.push({
        variable: 'DB_SSL_ROOT_CERT',
        problem: `must name a readable PEM file, but the file it names cannot be read (the path is ${NOT_SHOWN})`,
        example: 'DB_SSL_ROOT_CERT=/path/to/ca.pem',
      })
    }
  }

  if (problems.length > 0) throw new DsqlConfigError(problems)

  const config = {
    endpoint: endpoint.toLowerCase(),
    host,
    port,
    region,
    clusterUser,
    user,
    database,
    useIam,
    refreshToken,
    tokenRefreshIntervalSeconds,
    tokenLifetimeSeconds,
    profile: get('AWS_PROFILE'),
    sslRootCert,
  }
  // A hidden getter: enumeration, JSON and even `inspect({ showHidden: true })` leave it out.
  const secret = useIam ? undefined : password
  Object.defineProperty(config, 'password', { get: () => secret, enumerable: false })
  return Object.freeze(config as DsqlConfig)
}
