import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { trustedBinariesCopy } from '../src/backend/trusted-binaries-copy.ts'
import { startDsqlLocal } from '../src/index.ts'
import { captureLogger } from './helpers.ts'

// Another OS user's files, as root prepares them here: chown needs root.
const asRoot = process.getuid?.() === 0
// The process tests read /proc (the watchdog's pid, what a process was started as).
const linux = process.platform === 'linux'
const nobody = asRoot ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })) : -1
const quiet = captureLogger().logger

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const waitFor = async (condition: () => boolean, ms: number) => {
  for (const started = Date.now(); !condition() && Date.now() - started < ms; ) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return condition()
}

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid ?? 0
}

/** A process that looks like a postmaster (`postgres -D <dataDir>`) but is a shell loop. */
const decoys = new Set<ChildProcess>()
function decoy(dataDir: string): number {
  const child = spawn('/bin/sh', ['-c', 'while :; do sleep 1; done', '-D', dataDir], {
    argv0: 'postgres',
    detached: true,
    stdio: 'ignore',
  })
  decoys.add(child)
  return child.pid ?? 0
}
/** PostgreSQL servers of the stand-ins these tests kill: stopped after each test if still running. */
const postmasters = new Set<number>()
afterEach(() => {
  const kill = (pid: number, signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal)
    } catch {
      // Gone already.
    }
  }
  for (const child of decoys) kill(-(child.pid ?? 0), 'SIGKILL')
  for (const pid of postmasters) kill(pid, 'SIGQUIT')
  decoys.clear()
  postmasters.clear()
})

/** A temporary directory for this test's `TMPDIR`, reachable by PostgreSQL's OS user. */
let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'dsql-local-trust-test-'))
  chmodSync(scratch, 0o711)
})
afterAll(() => rm(scratch, { recursive: true, force: true }))

describe('the shared copy of the PostgreSQL binaries', () => {
  /** The source (a stand-in for the platform package's `native`), the cache and a run directory. */
  const places = (name: string) => {
    const parent = path.join(scratch, name.replaceAll(/\W+/g, '-'))
    const from = path.join(parent, 'native')
    mkdirSync(path.join(from, 'bin'), { recursive: true, mode: 0o755 })
    writeFileSync(path.join(from, 'bin', 'initdb'), '#!/bin/sh\necho genuine\n', { mode: 0o755 })
    mkdirSync(path.join(parent, 'cache'), { mode: 0o755 })
    mkdirSync(path.join(parent, 'run'), { mode: 0o711 })
    return {
      from,
      shared: path.join(parent, 'cache', 'embedded-postgres'),
      privateDir: path.join(parent, 'run', 'postgres-binaries'),
    }
  }
  /** A cache someone prepared: complete marker, and an initdb of their own. */
  const prepared = (dir: string) => {
    mkdirSync(path.join(dir, 'bin'), { recursive: true })
    writeFileSync(path.join(dir, 'bin', 'initdb'), '#!/bin/sh\necho hostile\n', { mode: 0o755 })
    writeFileSync(path.join(dir, '.complete'), '')
  }
  const initdbOf = (dir: string) => readFileSync(path.join(dir, 'bin', 'initdb'), 'utf8')

  it('is made once, owned by this user and writable by no one else, and reused', () => {
    const normal = places('normal')
    expect(trustedBinariesCopy(normal)).toBe(normal.shared)
    const stats = statSync(normal.shared)
    expect(stats.uid).toBe(process.getuid?.())
    expect(stats.mode & 0o022).toBe(0)
    expect(initdbOf(normal.shared)).toContain('genuine')

    writeFileSync(path.join(normal.from, 'added-later'), '')
    expect(trustedBinariesCopy(normal)).toBe(normal.shared)
    expect(existsSync(path.join(normal.shared, 'added-later'))).toBe(false) // not copied again
    expect(readdirSync(path.dirname(normal.shared))).toEqual(['embedded-postgres']) // no staging left
    expect(existsSync(normal.privateDir)).toBe(false)
  })

  type Prepare = (shared: string) => void
  const anyUser: [string, Prepare][] = [
    [
      'writable by everyone',
      (shared) => {
        prepared(shared)
        chmodSync(shared, 0o777)
      },
    ],
    [
      'in a directory everyone may write to (without the sticky bit)',
      (shared) => {
        prepared(shared)
        chmodSync(path.dirname(shared), 0o777)
      },
    ],
  ]
  const rootOnly: [string, Prepare][] = [
    [
      'owned by another user',
      (shared) => {
        prepared(shared)
        for (const entry of ['', 'bin', 'bin/initdb', '.complete']) {
          chownSync(path.join(shared, entry), nobody, nobody)
        }
      },
    ],
    [
      'a symbolic link another user made',
      (shared) => {
        const elsewhere = `${shared}-elsewhere`
        prepared(elsewhere)
        symlinkSync(elsewhere, shared)
        lchownSync(shared, nobody, nobody)
      },
    ],
  ]
  it.each([...anyUser, ...(asRoot ? rootOnly : [])])(
    'is not trusted when %s: a fresh copy of this run is used',
    (name, prepare) => {
      const hostile = places(name)
      prepare(hostile.shared)
      const copy = trustedBinariesCopy(hostile)
      expect(copy).toBe(hostile.privateDir)
      expect(initdbOf(copy)).toContain('genuine')
      expect(initdbOf(hostile.shared)).toContain('hostile') // left alone
    },
  )
})

describe.runIf(linux)('the sweep of stale run directories at start', () => {
  /** Runs `startDsqlLocal` (and so its sweep) with `TMPDIR` set to `dir`. */
  const startAndStopIn = async (dir: string) => {
    const saved = process.env.TMPDIR
    process.env.TMPDIR = dir
    try {
      const cluster = await startDsqlLocal({ logger: quiet })
      await cluster.stop()
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
  }
  /** A run directory of a dead process, with a postmaster.pid naming `pid`. */
  const staleRunDir = async (parent: string, pid: (dataDir: string) => number) => {
    const runDir = path.join(parent, `dsql-local-${await deadPid()}-stale`)
    const dataDir = path.join(runDir, 'data')
    mkdirSync(dataDir, { recursive: true, mode: 0o711 })
    chmodSync(runDir, 0o711)
    const target = pid(dataDir)
    writeFileSync(path.join(dataDir, 'postmaster.pid'), `${target}\n${dataDir}\n`)
    return { runDir, dataDir, target }
  }
  const freshTmpdir = async () => {
    const dir = await mkdtemp(path.join(scratch, 'tmp-'))
    chmodSync(dir, 0o711)
    return dir
  }

  it.runIf(asRoot)(
    'leaves a directory of another user alone, and does not signal the process its pid file names',
    async () => {
      const dir = await freshTmpdir()
      const { runDir, target } = await staleRunDir(dir, decoy)
      for (const entry of ['', 'data', 'data/postmaster.pid']) {
        chownSync(path.join(runDir, entry), nobody, nobody)
      }
      await startAndStopIn(dir)
      expect(isAlive(target)).toBe(true)
      expect(existsSync(runDir)).toBe(true)
    },
  )

  it('leaves a directory that others may write to alone, and does not signal its process', async () => {
    const dir = await freshTmpdir()
    const { runDir, target } = await staleRunDir(dir, decoy)
    chmodSync(runDir, 0o777)
    await startAndStopIn(dir)
    expect(isAlive(target)).toBe(true)
    expect(existsSync(runDir)).toBe(true)
  })

  it('removes a stale directory of its own, but signals no process that was not started from it', async () => {
    const dir = await freshTmpdir()
    const { runDir, target } = await staleRunDir(dir, () => decoy(path.join(scratch, 'other')))
    await startAndStopIn(dir)
    expect(isAlive(target)).toBe(true)
    expect(existsSync(runDir)).toBe(false)
  })

  it('stops the PostgreSQL of a stand-in killed together with its watchdog, and removes its directory', async () => {
    const dir = await freshTmpdir()
    const fixture = path.join(import.meta.dirname, 'fixtures', 'start-and-wait.ts')
    const child = spawn(process.execPath, [fixture], {
      env: { ...process.env, TMPDIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const { runDir, postmasterPid } = await firstLine(child)
    expect(isAlive(postmasterPid)).toBe(true)
    const watchdog = watchdogOf(child.pid ?? 0)
    process.kill(-watchdog, 'SIGKILL')
    child.kill('SIGKILL')
    await new Promise((resolve) => child.on('exit', resolve))
    expect(isAlive(postmasterPid)).toBe(true) // nothing stopped it: a stale run directory

    await startAndStopIn(dir)
    expect(await waitFor(() => !isAlive(postmasterPid), 10_000)).toBe(true)
    expect(existsSync(runDir)).toBe(false)
  })
})

describe.runIf(linux)('the watchdog of a stand-in killed with SIGKILL', () => {
  it('stops the PostgreSQL it was started for, not the pid that postmaster.pid names', async () => {
    const dir = await mkdtemp(path.join(scratch, 'tmp-'))
    chmodSync(dir, 0o711)
    const fixture = path.join(import.meta.dirname, 'fixtures', 'start-and-wait.ts')
    const child = spawn(process.execPath, [fixture], {
      env: { ...process.env, TMPDIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const { runDir, postmasterPid } = await firstLine(child)
    // The data directory belongs to PostgreSQL's OS user, who can write any pid there.
    const dataDir = path.join(runDir, 'data')
    const pidFile = path.join(dataDir, 'postmaster.pid')
    const target = decoy(dataDir)
    const lines = readFileSync(pidFile, 'utf8').split('\n')
    writeFileSync(pidFile, [String(target), ...lines.slice(1)].join('\n'))
    child.kill('SIGKILL')
    expect(await waitFor(() => !isAlive(postmasterPid) && !existsSync(runDir), 15_000)).toBe(true)
    expect(isAlive(target)).toBe(true)
  })
})

/** The JSON line that `fixtures/start-and-wait.ts` prints once its stand-in runs. */
function firstLine(child: ChildProcess): Promise<{ runDir: string; postmasterPid: number }> {
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (!out.includes('\n')) return
      const line = JSON.parse(out) as { runDir: string; postmasterPid: number }
      postmasters.add(line.postmasterPid)
      resolve(line)
    })
    child.on('exit', () => reject(new Error(`child exited early: ${out}`)))
  })
}

/** The pid of the watchdog shell that a stand-in in process `owner` started. */
function watchdogOf(owner: number): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')
      const at = args.indexOf('dsql-local-watchdog')
      if (at > 0 && args[at + 1] === String(owner)) return Number(name)
    } catch {
      // Ended meanwhile.
    }
  }
  throw new Error(`no watchdog for process ${owner}`)
}
