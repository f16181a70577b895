import { execFileSync } from 'node:child_process'
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import path from 'node:path'

/**
 * The pid of the postmaster that a stand-in started on `dataDir`, if one runs: `knownPid` (what
 * the stand-in itself spawned) or else the first line of `<dataDir>/postmaster.pid`, and only when
 * that process is `postgres -D <dataDir>`. The data directory belongs to PostgreSQL's OS user,
 * who can write any pid into that file: a pid is never signalled on its word alone.
 *
 * @example
 * ```ts
 * const pid = ourPostmaster(dataDir)
 * if (pid !== undefined) process.kill(pid, 'SIGQUIT')
 * ```
 */
export function ourPostmaster(dataDir: string, knownPid?: number): number | undefined {
  const pid = knownPid ?? pidFileOf(dataDir)
  return pid !== undefined && isPostmasterOf(pid, dataDir) ? pid : undefined
}

/**
 * The same check as {@link ourPostmaster} for `/bin/sh`: `ours <pid> <dataDir>` succeeds when the
 * process is started with `-D <dataDir>`.
 */
export const oursShellFunction = [
  'ours() {',
  '  if [ -d /proc ]; then tr "\\000" "\\n" < "/proc/$1/cmdline" 2>/dev/null | grep -A1 -x -- -D | grep -qxF -- "$2"',
  '  else ps -o command= -p "$1" 2>/dev/null | grep -qF -- " -D $2 "; fi',
  '}',
].join('\n')

/** The first line of `postmaster.pid`, read only if it is a regular file (never a FIFO or a link). */
function pidFileOf(dataDir: string): number | undefined {
  let fd: number | undefined
  try {
    const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK
    fd = openSync(path.join(dataDir, 'postmaster.pid'), flags)
    if (!fstatSync(fd).isFile()) return undefined
    const head = Buffer.alloc(32)
    const pid = Number(head.toString('utf8', 0, readSync(fd, head)).split('\n')[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function isPostmasterOf(pid: number, dataDir: string): boolean {
  const args = commandLine(pid)
  if (args === undefined) return false
  const at = args.indexOf('-D')
  return path.basename(args[0] ?? '') === 'postgres' && at > 0 && args[at + 1] === dataDir
}

function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    // No /proc (macOS): `ps` joins the arguments with spaces (a data directory with a space fails).
  }
  if (process.platform === 'linux') return undefined
  try {
    const line = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
    return line.trim().split(' ')
  } catch {
    return undefined
  }
}
