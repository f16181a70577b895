import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHART_FILES } from '../src/report/chart-files.ts'
import { readRun } from '../src/report/load-run.ts'
import { ReportError } from '../src/report/report-error.ts'
import { writeReport } from '../src/report/write-report.ts'
import { FIXTURE_RUN } from './fixtures/fixture-run.ts'

const BENCH = join(import.meta.dirname, '..')
const REPOSITORY = join(BENCH, '..')
const SVGS = Object.values(CHART_FILES).map((chart) => chart.file)

/** Runs `node src/render-main.ts ...args` as `pnpm render` does, and its exit code and output. */
async function render(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['src/render-main.ts', ...args],
      { cwd: BENCH, env: { ...process.env, INIT_CWD: BENCH } },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-report-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('pnpm render', () => {
  it('says where the missing run should be and how to record one', async () => {
    const missing = join(dir, 'nowhere', 'results.json')
    const { code, stderr } = await render(missing)
    expect(code).toBe(1)
    expect(stderr).toContain(
      `render: no recorded run at ${missing}: record one with \`pnpm bench\``,
    )
  })

  it('refuses a run of another schema version, saying which and what to do', async () => {
    const path = join(dir, 'schema-2.json')
    await writeFile(path, JSON.stringify({ ...FIXTURE_RUN, schema: 2 }))
    const { code, stderr } = await render(path)
    expect(code).toBe(1)
    expect(stderr).toContain(
      `render: ${path} has schema 2, but this renderer reads schema 1: record the run again with \`pnpm bench\``,
    )
  })

  it('refuses a damaged run, listing what is wrong', async () => {
    const path = join(dir, 'damaged.json')
    const { queries: _queries, ...withoutQueries } = FIXTURE_RUN
    await writeFile(path, JSON.stringify({ ...withoutQueries, target: 'somewhere' }))
    const { code, stderr } = await render(path)
    expect(code).toBe(1)
    expect(stderr).toContain('is not a complete run of schema 1')
    expect(stderr).toContain('- target should be "dsql-local" or "cluster"')
    expect(stderr).toContain('- queries should be an array')
    const notJson = join(dir, 'not-json.json')
    await writeFile(notJson, '{ "schema": 1,')
    expect((await render(notJson)).stderr).toContain(`render: ${notJson} is not JSON`)
  })

  it('refuses a run whose figure is null through `pnpm render`, saying where and what to do', async () => {
    const path = join(dir, 'null-figure.json')
    const [first, ...rest] = FIXTURE_RUN.queries
    const p99Ms = { ...first?.p99Ms, runs: [1.5, null, 1.6] }
    await writeFile(
      path,
      JSON.stringify({ ...FIXTURE_RUN, queries: [{ ...first, p99Ms }, ...rest] }),
    )
    const { code, stderr } = await render(path)
    expect(code).toBe(1)
    expect(stderr).toContain(`render: ${path} is not a complete run of schema 1:`)
    expect(stderr).toContain('  - queries[0].p99Ms.runs[1] should be a finite number but is null')
    expect(stderr).toContain('Record the run again with `pnpm bench`.')
  })

  it('refuses unknown options and more than one run with exit code 2 and the usage', async () => {
    for (const args of [['--bogus'], ['a.json', 'b.json']]) {
      const { code, stderr } = await render(...args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr, args.join(' ')).toContain(
        'usage: pnpm render [path/to/results.json] [--out DIR] [--no-docs]',
      )
    }
  })

  it('renders a run outside docs/bench next to it (or into --out), and leaves the docs alone', async () => {
    const runDir = join(dir, 'run')
    await mkdir(runDir)
    await writeFile(join(runDir, 'results.json'), `${JSON.stringify(FIXTURE_RUN, null, 2)}\n`)
    const readme = await stat(join(REPOSITORY, 'README.md'))
    const { code, stdout } = await render(join(runDir, 'results.json'))
    expect(code).toBe(0)
    expect(stdout).toContain(
      `render: wrote ${join(runDir, 'results.json')}, ${join(runDir, 'results.md')}`,
    )
    expect((await readdir(runDir)).sort()).toEqual(['results.json', 'results.md', ...SVGS].sort())
    expect((await stat(join(REPOSITORY, 'README.md'))).mtimeMs).toBe(readme.mtimeMs)
    const out = join(dir, 'elsewhere')
    expect((await render(join(runDir, 'results.json'), '--out', out)).code).toBe(0)
    expect(await readFile(join(out, 'results.md'), 'utf8')).toBe(
      await readFile(join(runDir, 'results.md'), 'utf8'),
    )
  })
})

describe('writeReport', () => {
  it('writes results.json, results.md, the charts and the docs of a repository', async () => {
    const repo = join(dir, 'repo')
    await mkdir(join(repo, 'docs'), { recursive: true })
    for (const doc of ['README.md', 'docs/driver-comparison.md']) {
      await writeFile(join(repo, doc), await readFile(join(REPOSITORY, doc), 'utf8'))
    }
    const written = await writeReport(FIXTURE_RUN, {
      outDir: join(repo, 'docs', 'bench'),
      docs: true,
      repoRoot: repo,
    })
    expect(written).toEqual([
      'docs/bench/results.json',
      'docs/bench/results.md',
      ...SVGS.map((file) => `docs/bench/${file}`),
      'docs/driver-comparison.md',
      'README.md',
    ])
    expect(await readRun(join(repo, 'docs/bench/results.json'))).toEqual(FIXTURE_RUN)
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toContain(
      'runs its first query in 5.71 ms (p50)',
    )
  })

  it('refuses docs whose charts would be written elsewhere before writing anything', async () => {
    const outDir = join(dir, 'not-docs')
    const writing = writeReport(FIXTURE_RUN, { outDir, docs: true, repoRoot: join(dir, 'repo') })
    await expect(writing).rejects.toThrow(ReportError)
    await expect(writing).rejects.toMatchObject({
      code: 'BAD_OPTIONS',
      message: expect.stringContaining('or without docs'),
    })
    expect(existsSync(outDir), 'nothing written, not even the directory').toBe(false)
  })
})
