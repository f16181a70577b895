/**
 * `pnpm render [results.json] [--out DIR] [--no-docs]`: renders a recorded run again without
 * measuring anything: `results.md` and the charts next to it (or in `--out DIR`), and, when that is
 * `docs/bench/`, the generated blocks of `docs/driver-comparison.md` and `README.md`. The default
 * run is the committed `docs/bench/results.json`; a relative path is taken from the directory
 * `pnpm` was started in. Exit code 1 when the run cannot be read or rendered, 2 on bad arguments.
 */
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readRun } from './report/load-run.ts'
import { ReportError } from './report/report-error.ts'
import { writeReport } from './report/write-report.ts'

const REPOSITORY = join(import.meta.dirname, '..', '..')
const DOCS_BENCH = join(REPOSITORY, 'docs', 'bench')
const USAGE = 'usage: pnpm render [path/to/results.json] [--out DIR] [--no-docs]'

let parsed: {
  values: { out?: string; 'no-docs'?: boolean; help?: boolean }
  positionals: string[]
}
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'no-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
} catch (error) {
  console.error(`render: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
  process.exit(2)
}
if (parsed.values.help) {
  console.log(USAGE)
  process.exit(0)
}
if (parsed.positionals.length > 1) {
  console.error(`render: one recorded run at a time, got ${parsed.positionals.length}\n${USAGE}`)
  process.exit(2)
}

// pnpm runs scripts in the package's directory; INIT_CWD is where the user typed the command.
const base = process.env.INIT_CWD ?? process.cwd()
const [given] = parsed.positionals
const runPath = given === undefined ? join(DOCS_BENCH, 'results.json') : resolve(base, given)
const outDir = parsed.values.out === undefined ? dirname(runPath) : resolve(base, parsed.values.out)

try {
  const run = await readRun(runPath)
  const written = await writeReport(run, {
    outDir,
    repoRoot: REPOSITORY,
    docs: outDir === DOCS_BENCH && !parsed.values['no-docs'],
  })
  console.log(`render: wrote ${written.join(', ')}`)
} catch (error) {
  if (!(error instanceof ReportError)) throw error
  console.error(`render: ${error.message}`)
  process.exitCode = 1
}
