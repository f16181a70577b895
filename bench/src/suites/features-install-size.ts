import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A set of installed packages and their size. */
export interface InstalledClosure {
  /** The real directory of every package, each once, sorted. */
  readonly packageDirs: readonly string[]
  /** The sum of the sizes of their files, in bytes. */
  readonly bytes: number
}

interface PackageManifest {
  readonly name?: string
  readonly dependencies?: Readonly<Record<string, string>>
  readonly optionalDependencies?: Readonly<Record<string, string>>
}

/**
 * The packages `names` as a project in `fromDir` resolves them, with their production
 * dependencies, as installed. Each package is found the way Node.js finds it (`node_modules`
 * folders from the importing package's directory upwards), which in pnpm's layout leads through
 * symbolic links into `node_modules/.pnpm`; it counts once per real path, however many packages
 * depend on it. Followed: `dependencies`, and `optionalDependencies` when installed (peer and dev
 * dependencies are not). The size is the sum of the files' sizes (bytes, as `du --apparent-size`
 * counts them; hard links into pnpm's store count at each place), symbolic links and nested
 * `node_modules` folders left out.
 *
 * @throws {Error} naming the package, when a package or a required dependency is not installed.
 * @example
 * ```ts
 * const { packageDirs, bytes } = await installedClosure('examples/pg', ['pg'])
 * ```
 */
export async function installedClosure(
  fromDir: string,
  names: readonly string[],
): Promise<InstalledClosure> {
  const seen = new Set<string>()
  const pending: string[] = []
  for (const name of names) {
    const dir = await findPackage(name, fromDir)
    if (dir === undefined) throw new Error(`${name} is not installed for ${fromDir}`)
    pending.push(dir)
  }
  let bytes = 0
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (seen.has(dir)) continue
    seen.add(dir)
    bytes += await sizeOf(dir)
    const manifest = JSON.parse(
      await readFile(join(dir, 'package.json'), 'utf8'),
    ) as PackageManifest
    const wanted = [
      ...Object.keys(manifest.dependencies ?? {}).map((name) => ({ name, optional: false })),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ]
    for (const { name, optional } of wanted) {
      const found = await findPackage(name, dir)
      if (found !== undefined) pending.push(found)
      else if (!optional)
        throw new Error(`${name}, a dependency of ${manifest.name ?? dir}, is not installed`)
    }
  }
  return { packageDirs: [...seen].sort(), bytes }
}

/** The real directory of package `name` as code in `fromDir` resolves it, if installed. */
async function findPackage(name: string, fromDir: string): Promise<string | undefined> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name)
      const found = await stat(join(candidate, 'package.json')).catch(() => undefined)
      if (found?.isFile()) return realpath(candidate)
    }
    if (dirname(dir) === dir) return undefined
  }
}

/** Bytes in the files under `dir`, not following symbolic links nor entering `node_modules`. */
async function sizeOf(dir: string): Promise<number> {
  let bytes = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') bytes += await sizeOf(path)
    } else if (entry.isFile()) {
      bytes += (await lstat(path)).size
    }
  }
  return bytes
}
