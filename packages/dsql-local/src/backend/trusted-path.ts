import { lstatSync, realpathSync, type Stats } from 'node:fs'
import path from 'node:path'

/**
 * Whether no other OS user can change what `dir` leads to: every directory from the root down to
 * `dir`, both as written and with symbolic links resolved, is owned by root or this user and is
 * writable by no one else or sticky (as `/tmp`: others may add entries, but not rename or remove
 * this user's); a symbolic link on the way is owned by root or this user. False when `dir` cannot
 * be inspected. Always true on platforms without user ids (Windows).
 *
 * @example
 * ```ts
 * if (!isTrustedLocation(tmpdir())) return // nothing in it can be told from another user's
 * ```
 */
export function isTrustedLocation(dir: string): boolean {
  const me = process.getuid?.()
  if (me === undefined) return true
  const trusted = (stats: Stats) =>
    (stats.uid === 0 || stats.uid === me) &&
    (stats.isSymbolicLink() ||
      (stats.isDirectory() && (!writableByOthers(stats) || (stats.mode & 0o1000) !== 0)))
  try {
    const resolved = realpathSync(dir)
    return [path.resolve(dir), resolved].every((p) =>
      prefixes(p).every((d) => trusted(lstatSync(d))),
    )
  } catch {
    return false
  }
}

/**
 * Whether `dir` is this user's own: a directory (not a symbolic link) owned by this user, writable
 * by no one else, in a {@link isTrustedLocation trusted location}. What such a directory holds was
 * put there by this user (or root). Always true on platforms without user ids (Windows).
 *
 * @example
 * ```ts
 * if (isPrivateDirectory(cache)) return cache // made by an earlier run of this user
 * ```
 */
export function isPrivateDirectory(dir: string): boolean {
  const me = process.getuid?.()
  if (me === undefined) return true
  try {
    const stats = lstatSync(dir)
    return (
      stats.isDirectory() &&
      stats.uid === me &&
      !writableByOthers(stats) &&
      isTrustedLocation(path.dirname(path.resolve(dir)))
    )
  } catch {
    return false
  }
}

function writableByOthers(stats: Stats): boolean {
  return (stats.mode & 0o022) !== 0
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
function prefixes(absolute: string): string[] {
  const { root } = path.parse(absolute)
  const parts = absolute.slice(root.length).split(path.sep).filter(Boolean)
  return [root, ...parts.map((_, i) => path.join(root, ...parts.slice(0, i + 1)))]
}
