import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { LocalPrincipal } from './auth/local-principal.ts'
import type { DsqlLocalOptions } from './dsql-local-options.ts'
import { DsqlLocalError } from './errors.ts'
import { type DsqlLocalLogger, stderrLogger } from './logger.ts'
import { ConflictInjections } from './occ/conflict-injections.ts'
import { fixedRuleIds, ruleIds } from './sql/dsql-rules.ts'

/** {@link DsqlLocalOptions} with every default applied and every value checked. */
export interface ResolvedOptions {
  readonly port: number
  readonly endpoint: string
  readonly region: string
  readonly principals: readonly LocalPrincipal[]
  readonly dataDir: string | undefined
  readonly backendUrl: string | undefined
  readonly caFile: string | undefined
  readonly maxConnectionDurationMs: number
  readonly connectionRatePerSecond: number
  readonly connectionBurst: number
  readonly maxConnections: number
  readonly backendMaxConnections: number
  readonly latencyMs: number
  readonly clockSkewMs: number
  readonly sqlDialect: 'dsql' | 'postgres'
  readonly relaxRules: ReadonlySet<string>
  readonly transactionRowLimit: number
  readonly transactionSizeLimitBytes: number
  readonly transactionAgeLimitMs: number
  readonly maxMessageBytes: number
  /** The injections given at start, checked and queued. */
  readonly injections: ConflictInjections
  readonly logger: DsqlLocalLogger
}

const hostnamePattern =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/
const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d+$/
const arnPattern = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/

/**
 * Applies defaults and validates; throws {@link DsqlLocalError} `INVALID_OPTIONS` with a message
 * that names the option.
 */
export function resolveOptions(options: DsqlLocalOptions): ResolvedOptions {
  const invalid = (message: string) => new DsqlLocalError('INVALID_OPTIONS', message)
  const number = (
    name: keyof DsqlLocalOptions,
    fallback: number,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ) => {
    const value = options[name] ?? fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw invalid(`${name} must be a number from ${min} to ${max}, got ${String(value)}`)
    }
    return value
  }
  const port = number('port', 0, 0, 65535)
  if (!Number.isInteger(port)) throw invalid(`port must be an integer, got ${port}`)

  const endpointRegion = options.endpoint
    ? /\.dsql\.([a-z0-9-]+)\.on\.aws$/.exec(options.endpoint)?.[1]
    : undefined
  const region = options.region ?? endpointRegion ?? 'us-east-1'
  if (!regionPattern.test(region)) throw invalid(`region "${region}" is not an AWS region name`)
  if (endpointRegion !== undefined && endpointRegion !== region) {
    throw invalid(
      `endpoint ${options.endpoint} names region ${endpointRegion}, but region is ${region}`,
    )
  }
  const endpoint = (options.endpoint ?? `${randomClusterId()}.dsql.${region}.on.aws`).toLowerCase()
  if (!hostnamePattern.test(endpoint)) throw invalid(`endpoint "${endpoint}" is not a host name`)

  const principals = options.credentials ?? [generatePrincipal()]
  if (principals.length === 0) throw invalid('credentials must list at least one principal')
  const keys = new Set<string>()
  for (const principal of principals) {
    if (!/^[A-Z0-9]{16,128}$/.test(principal.accessKeyId ?? '')) {
      throw invalid(`credentials: "${principal.accessKeyId}" is not an access key ID`)
    }
    if (keys.has(principal.accessKeyId))
      throw invalid(`credentials: ${principal.accessKeyId} appears twice`)
    keys.add(principal.accessKeyId)
    if (!principal.secretAccessKey)
      throw invalid(`credentials: ${principal.accessKeyId} has no secretAccessKey`)
    if (!arnPattern.test(principal.arn ?? '')) {
      throw invalid(
        `credentials: ${principal.accessKeyId} needs an IAM ARN, got "${principal.arn}"`,
      )
    }
  }
  if (options.dataDir !== undefined && options.backendUrl !== undefined) {
    throw invalid('dataDir and backendUrl exclude each other')
  }
  const sqlDialect = options.sqlDialect ?? 'dsql'
  if (sqlDialect !== 'dsql' && sqlDialect !== 'postgres') {
    throw invalid(`sqlDialect must be "dsql" or "postgres", got ${JSON.stringify(sqlDialect)}`)
  }
  const relaxRules = new Set(options.relaxRules ?? [])
  const fixed = [...relaxRules].filter((id) => fixedRuleIds.has(id))
  if (fixed.length > 0) {
    throw invalid(
      `relaxRules: ${fixed.map((id) => JSON.stringify(id)).join(', ')} cannot be switched off (the backend or the parser needs it)`,
    )
  }
  const unknownRules = [...relaxRules].filter((id) => !ruleIds.has(id))
  if (unknownRules.length > 0) {
    throw invalid(
      `relaxRules: unknown rule ${unknownRules.map((id) => JSON.stringify(id)).join(', ')}; the rules are ${[...ruleIds].join(', ')}`,
    )
  }
  if (options.injectConflicts !== undefined && !Array.isArray(options.injectConflicts)) {
    throw invalid('injectConflicts must be an array of { count, code, role, sessionId }')
  }
  const injections = new ConflictInjections()
  for (const injection of options.injectConflicts ?? []) injections.add(injection)
  return Object.freeze({
    port,
    endpoint,
    region,
    principals: Object.freeze([...principals]),
    dataDir: options.dataDir === undefined ? undefined : path.resolve(options.dataDir),
    backendUrl: options.backendUrl,
    caFile: options.caFile === undefined ? undefined : path.resolve(options.caFile),
    // A longer timer would fire at once (Node caps timers at 2^31 - 1 ms, about 24.8 days).
    maxConnectionDurationMs: number('maxConnectionDurationMs', 3_600_000, 1, 2_147_483_647),
    connectionRatePerSecond: number('connectionRatePerSecond', 100, 0.001),
    connectionBurst: number('connectionBurst', 1000, 1),
    maxConnections: number('maxConnections', 10_000, 1),
    backendMaxConnections: number('backendMaxConnections', 300, 10, 10_000),
    latencyMs: number('latencyMs', 0, 0, 60_000),
    clockSkewMs: number('clockSkewMs', 300_000, 0),
    sqlDialect,
    relaxRules,
    transactionRowLimit: number('transactionRowLimit', 3000, 1),
    transactionSizeLimitBytes: number('transactionSizeLimitBytes', 10 * 1024 * 1024, 1),
    transactionAgeLimitMs: number('transactionAgeLimitMs', 300_000, 1, 2_147_483_647),
    maxMessageBytes: number('maxMessageBytes', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    injections,
    logger: options.logger ?? stderrLogger,
  })
}

const base32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** 26 lowercase letters and digits, the shape of a DSQL cluster id. */
function randomClusterId(): string {
  return [...randomBytes(26)].map((byte) => base32[byte % 32]).join('')
}

/** A fresh local principal: an `AKIA...` key, a random secret, a local IAM user ARN. */
function generatePrincipal(): LocalPrincipal {
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const key = [...randomBytes(16)].map((byte) => upper[byte % 32]).join('')
  return {
    accessKeyId: `AKIA${key}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    arn: 'arn:aws:iam::000000000000:user/dsql-local',
  }
}
