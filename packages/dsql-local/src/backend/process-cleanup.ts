import { spawn } from 'node:child_process'
import { readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ourPostmaster, oursShellFunction } from './our-postmaster.ts'
import { isPrivateDirectory, isTrustedLocation } from './trusted-path.ts'

/** Prefix of every temporary run directory: `dsql-local-<pid of the owning process>-<random>`. */
export const runDirPrefix = 'dsql-local-'

/** A running stand-in as the process-level safety net sees it. */
export interface CleanupEntry {
  /** The graceful stop. */
  readonly stop: () => Promise<void>
  /** The temporary run directory (socket, CA file, and the data directory unless one was kept). */
  readonly runDir: string
  /** The PostgreSQL data directory, to find `postmaster.pid`. */
  readonly dataDir?: string
  /** The postmaster's pid, once it was started. */
  postmasterPid?: number
  /** The watchdog process, if one was started. */
  watchdogPid?: number
}

const entries = new Set<CleanupEntry>()
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * Last resort at process exit (also after an uncaught exception): no await is possible, so
 * PostgreSQL gets SIGQUIT (immediate shutdown) and the run directory is removed synchronously.
 */
function onExit(): void {
  for (const entry of entries) {
    if (entry.dataDir !== undefined) {
      killQuietly(ourPostmaster(entry.dataDir, entry.postmasterPid), 'SIGQUIT')
    }
    killQuietly(entry.watchdogPid && -entry.watchdogPid, 'SIGTERM')
    rmSync(entry.runDir, { recursive: true, force: true, maxRetries: 3 })
  }
  entries.clear()
}

/** On a signal: stop gracefully, then let the signal do what it would have done. */
function onSignal(signal: NodeJS.Signals): void {
  const pending = [...entries].map((entry) => entry.stop())
  void Promise.allSettled(pending).then(() => {
    // Other listeners (a CLI, a test runner) decide what happens next; alone, re-raise.
    if (process.listenerCount(signal) === 1) {
      uninstall()
      process.kill(process.pid, signal)
    }
  })
}

function install(): void {
  process.on('exit', onExit)
  for (const signal of signals) process.on(signal, onSignal)
}

function uninstall(): void {
  process.off('exit', onExit)
  for (const signal of signals) process.off(signal, onSignal)
}

/**
 * Registers a running stand-in for cleanup at exit and on SIGINT/SIGTERM/SIGHUP; returns the
 * function that unregisters it (called by `stop()`).
 */
export function trackForCleanup(entry: CleanupEntry): () => void {
  if (entries.size === 0) install()
  entries.add(entry)
  return () => {
    entries.delete(entry)
    if (entries.size === 0) uninstall()
  }
}

/**
 * Starts a detached shell that waits for this process to die (even by SIGKILL, which no handler
 * sees) and then stops the postmaster and removes the run directory. `stop()` kills it first. The
 * postmaster is `entry.postmasterPid` (else the pid in `postmaster.pid`), signalled only while it
 * is `postgres -D <dataDir>`: the watchdog may run as root, and the data directory belongs to
 * PostgreSQL's OS user.
 */
export function spawnWatchdog(entry: CleanupEntry, removeRunDir: boolean): number | undefined {
  if (process.platform === 'win32' || entry.dataDir === undefined) return undefined
  const script = [
    oursShellFunction,
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
    'pg=$5',
    'if [ -z "$pg" ] && [ -f "$2/postmaster.pid" ]; then pg=$(head -n 1 "$2/postmaster.pid"); fi',
    'if [ -n "$pg" ] && ours "$pg" "$2"; then',
    '  kill -INT "$pg" 2>/dev/null; i=0',
    '  while kill -0 "$pg" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
    '  if ours "$pg" "$2"; then kill -QUIT "$pg" 2>/dev/null; fi',
    'fi',
    'if [ "$4" = 1 ]; then rm -rf "$3"; fi',
  ].join('\n')
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      script,
      'dsql-local-watchdog',
      String(process.pid),
      entry.dataDir,
      entry.runDir,
      removeRunDir ? '1' : '0',
      entry.postmasterPid === undefined ? '' : String(entry.postmasterPid),
    ],
    { detached: true, stdio: 'ignore' },
  )
  child.on('error', () => {})
  child.unref()
  return child.pid
}

/** Kills the watchdog (at a graceful stop). */
export function stopWatchdog(entry: CleanupEntry): void {
  // Detached, so it leads its own process group: this also ends its `sleep`.
  killQuietly(entry.watchdogPid && -entry.watchdogPid, 'SIGTERM')
  entry.watchdogPid = undefined
}

/**
 * Removes run directories left by processes that no longer exist (a killed test run), stopping
 * their postmaster first. Only directories of this user that no one else can change are touched,
 * and only a process that is `postgres -D <that run directory>/data` is signalled: anyone may
 * create a `dsql-local-*` directory in a shared temp directory. Returns how many were removed.
 */
export async function sweepStaleRunDirs(): Promise<number> {
  let removed = 0
  const root = tmpdir()
  if (!isTrustedLocation(root)) return 0
  for (const name of readdirSync(root)) {
    const match = /^dsql-local-(\d+)-/.exec(name)
    if (match === null || isAlive(Number(match[1]))) continue
    const runDir = path.join(root, name)
    if (!isPrivateDirectory(runDir)) continue
    const postmaster = ourPostmaster(path.join(runDir, 'data'))
    killQuietly(postmaster, 'SIGQUIT')
    for (let i = 0; postmaster !== undefined && isAlive(postmaster) && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    rmSync(runDir, { recursive: true, force: true, maxRetries: 3 })
    removed += 1
  }
  return removed
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone.
  }
}
