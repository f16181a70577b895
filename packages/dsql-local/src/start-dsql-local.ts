import { randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Backend } from './backend/backend.ts'
import { connectUrlBackend } from './backend/connect-url-backend.ts'
import {
  type CleanupEntry,
  runDirPrefix,
  spawnWatchdog,
  stopWatchdog,
  sweepStaleRunDirs,
  trackForCleanup,
} from './backend/process-cleanup.ts'
import type { DialectSetup } from './backend/setup-database.ts'
import { startEmbeddedBackend } from './backend/start-embedded-backend.ts'
import type { DsqlLocalCluster } from './dsql-local-cluster.ts'
import type { DsqlLocalOptions } from './dsql-local-options.ts'
import { DsqlLocalError } from './errors.ts'
import { generateTlsMaterial } from './front/generate-tls-material.ts'
import { TlsFront } from './front/tls-front.ts'
import type { ConflictInjection } from './occ/conflict-injections.ts'
import { resolveOptions } from './resolve-options.ts'
import { loadSqlParser } from './sql/parse-sql.ts'

/**
 * Starts a local Aurora DSQL stand-in: PostgreSQL 16 (embedded, or yours via `backendUrl`) behind
 * a TLS front on 127.0.0.1 that accepts only real DSQL IAM tokens, as made by
 * `@aws-sdk/dsql-signer`, for the returned endpoint, region and credentials. Fails fast with a
 * {@link DsqlLocalError} and leaves nothing running when an option or a start step is bad.
 *
 * @example
 * ```ts
 * import { DsqlSigner } from '@aws-sdk/dsql-signer'
 * import pg from 'pg'
 * import { startDsqlLocal } from 'dsql-local'
 *
 * const cluster = await startDsqlLocal()
 * const signer = new DsqlSigner({ hostname: cluster.endpoint, region: cluster.region, credentials: cluster.credentials })
 * const client = new pg.Client({
 *   host: cluster.host, port: cluster.port, user: 'admin', database: 'postgres',
 *   password: () => signer.getDbConnectAdminAuthToken(),
 *   ssl: { ca: cluster.caPem, servername: cluster.endpoint, rejectUnauthorized: true },
 * })
 * try {
 *   await client.connect()
 *   await client.query('SELECT sys.current_session_id()')
 * } finally {
 *   await client.end()
 *   await cluster.stop()
 * }
 * ```
 */
export async function startDsqlLocal(options: DsqlLocalOptions = {}): Promise<DsqlLocalCluster> {
  const config = resolveOptions(options)
  const { logger } = config
  const stale = await sweepStaleRunDirs().catch(() => 0)
  if (stale > 0) logger.info(`removed ${stale} run directories left by killed processes`)

  const runDir = await mkdtemp(path.join(tmpdir(), `${runDirPrefix}${process.pid}-`))
  // Traversable, not listable: an embedded postgres running as OS user `postgres` must reach its dirs.
  await chmod(runDir, 0o711)
  const dataDir = config.backendUrl ? undefined : (config.dataDir ?? path.join(runDir, 'data'))
  let backend: Backend | undefined
  let frontServer: TlsFront | undefined
  let stopping: Promise<void> | undefined

  const entry: CleanupEntry = { runDir, dataDir, stop: () => stop() }
  const untrack = trackForCleanup(entry)
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await frontServer?.close().catch(() => {})
      await backend
        ?.stop()
        .catch((error: unknown) => logger.error(`stopping the backend: ${String(error)}`))
      stopWatchdog(entry)
      await rm(runDir, { recursive: true, force: true, maxRetries: 3 })
      untrack()
      logger.info('stopped')
    })()
    return stopping
  }

  // The rules PostgreSQL itself enforces; off with the rest of the dialect.
  const ruleOn = (id: string) => config.sqlDialect === 'dsql' && !config.relaxRules.has(id)
  // Known to the relay and the backend only: guards the stand-in's own functions in `sys`.
  const internalKey = randomBytes(18).toString('base64url')
  const dialect: DialectSetup = {
    limits: {
      rows: ruleOn('row-limit') ? config.transactionRowLimit : undefined,
      bytes: ruleOn('size-limit') ? config.transactionSizeLimitBytes : undefined,
    },
    advisoryLocks: !ruleOn('advisory-lock'),
    internalKey,
  }

  try {
    await loadSqlParser()
    const tls = await generateTlsMaterial(config.endpoint).catch((error: unknown) => {
      throw new DsqlLocalError('CERTIFICATE_FAILED', 'could not generate the TLS certificates', {
        cause: error,
      })
    })
    const caFile = config.caFile ?? path.join(runDir, 'ca.pem')
    await writeFile(caFile, tls.caPem, { mode: 0o644 }).catch((error: unknown) => {
      throw new DsqlLocalError('CERTIFICATE_FAILED', `could not write the CA file ${caFile}`, {
        cause: error,
      })
    })

    frontServer = new TlsFront({
      ...config,
      principals: new Map(config.principals.map((principal) => [principal.accessKeyId, principal])),
      certPem: tls.certPem,
      keyPem: tls.keyPem,
      internalKey,
    })
    // Listen first: a port in use should fail before PostgreSQL spends a second starting.
    const port = await frontServer.listen(config.port).catch((error: NodeJS.ErrnoException) => {
      const code =
        error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 'PORT_IN_USE' : 'INVALID_OPTIONS'
      throw new DsqlLocalError(
        code,
        `cannot listen on 127.0.0.1:${config.port}: ${error.message}`,
        { cause: error },
      )
    })

    if (config.backendUrl !== undefined) {
      backend = await connectUrlBackend(config.backendUrl, { dialect, logger })
    } else if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
        throw new DsqlLocalError(
          'DATA_DIR_UNUSABLE',
          `cannot create the data directory ${dataDir}`,
          { cause: error },
        )
      })
      backend = await startEmbeddedBackend({
        runDir,
        dataDir,
        throwaway: config.dataDir === undefined,
        maxConnections: config.backendMaxConnections,
        dialect,
        logger,
      })
      entry.postmasterPid = backend.postmasterPid
      entry.watchdogPid = spawnWatchdog(entry, true)
    }
    if (backend === undefined) throw new DsqlLocalError('INVALID_OPTIONS', 'no backend configured')
    frontServer.attachBackend(backend)

    const [principal] = config.principals
    if (principal === undefined) throw new DsqlLocalError('INVALID_OPTIONS', 'no credentials')
    const credentials = Object.freeze({
      accessKeyId: principal.accessKeyId,
      secretAccessKey: principal.secretAccessKey,
      arn: principal.arn,
      ...(principal.sessionToken === undefined ? {} : { sessionToken: principal.sessionToken }),
    })
    const env: Record<string, string> = {
      CLUSTER_ENDPOINT: config.endpoint,
      REGION: config.region,
      AWS_REGION: config.region,
      DB_HOST: '127.0.0.1',
      DB_PORT: String(port),
      DB_SSL_ROOT_CERT: caFile,
      // Empty values switch off what the caller's environment would add to these keys: the AWS
      // SDK's default chain skips environment keys while AWS_PROFILE names a profile, and reads a
      // session token and an expiry along with them.
      AWS_PROFILE: '',
      AWS_ACCESS_KEY_ID: principal.accessKeyId,
      AWS_SECRET_ACCESS_KEY: principal.secretAccessKey,
      AWS_SESSION_TOKEN: principal.sessionToken ?? '',
      AWS_CREDENTIAL_EXPIRATION: '',
    }
    logger.info(`listening on 127.0.0.1:${port} as ${config.endpoint} (${config.region})`)
    return Object.freeze({
      endpoint: config.endpoint,
      host: '127.0.0.1',
      port,
      region: config.region,
      caFile,
      caPem: tls.caPem,
      credentials,
      env: Object.freeze(env),
      injectConflicts: (injection?: ConflictInjection) => config.injections.add(injection),
      stop,
    })
  } catch (error) {
    await stop()
    if (error instanceof DsqlLocalError) throw error
    throw new DsqlLocalError('BACKEND_START_FAILED', `dsql-local did not start: ${String(error)}`, {
      cause: error,
    })
  }
}
