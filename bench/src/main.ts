/**
 * `pnpm bench [--quick] [--out DIR] [--no-docs]`: measures the three templates side by side (see
 * `run-bench.ts`), prints a summary, and writes the run as JSON, Markdown and SVG charts.
 *
 * - A full run writes `docs/bench/` and re-renders the generated blocks of
 *   `docs/driver-comparison.md` and `README.md` (unless `--no-docs`, or `--out` names another
 *   directory).
 * - `--quick` (under a minute: a smoke run, not a measurement) writes `bench/.results/quick/` and
 *   leaves the docs alone.
 * - Exit code 1 when a full run misses one of the performance bars, 2 on bad arguments, 3 when the
 *   run itself fails (a target that does not start, a workload that errs): nothing is written then.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { BenchRun } from './bench-results.ts'
import { createProgress } from './progress.ts'
import { writeReport } from './report/write-report.ts'
import { runBench } from './run-bench.ts'

const REPOSITORY = join(import.meta.dirname, '..', '..')
const USAGE = 'usage: pnpm bench [--quick] [--out DIR] [--no-docs]'

let args: { quick?: boolean; out?: string; 'no-docs'?: boolean; help?: boolean }
try {
  args = parseArgs({
    options: {
      quick: { type: 'boolean' },
      out: { type: 'string' },
      'no-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
  process.exit(2)
}
if (args.help) {
  console.log(USAGE)
  process.exit(0)
}

const quick = args.quick ?? false
const outDir = args.out ?? join(REPOSITORY, quick ? 'bench/.results/quick' : 'docs/bench')
// The docs link to docs/bench/*.svg: only a full run written there re-renders them.
const docs = !quick && !args['no-docs'] && args.out === undefined
const progress = createProgress()
progress.note(
  `${quick ? 'quick smoke run' : 'full run'} against ${process.env.CLUSTER_ENDPOINT ? process.env.CLUSTER_ENDPOINT : 'dsql-local'}`,
)
let run: BenchRun
let written: string[]
try {
  run = await runBench({ quick, progress, env: process.env })
  written = await writeReport(run, { outDir, repoRoot: REPOSITORY, docs })
} catch (error) {
  console.error(`bench: the run failed: ${describe(error)}`)
  process.exit(3)
}
printSummary(run)
console.log(`bench: ${run.durationSeconds} s; wrote ${written.join(', ')}`)
const missed = run.checks.filter((check) => !check.passed)
if (missed.length > 0 && !quick) process.exitCode = 1

function printSummary(run: BenchRun): void {
  console.table(
    run.connect.map((row) => ({
      driver: row.driver,
      client: row.client,
      tls: row.tls,
      'latency ms': row.latencyMs,
      'p50 ms': row.p50Ms.median,
      'p95 ms': row.p95Ms.median,
    })),
  )
  console.table(
    run.queries.map((row) => ({
      driver: row.driver,
      client: row.client,
      workload: row.workload,
      callers: row.concurrency,
      'ops/s': row.opsPerSecond.median,
      'p50 ms': row.p50Ms.median,
      'p99 ms': row.p99Ms.median,
      errors: row.errors,
    })),
  )
  for (const check of run.checks) {
    console.log(
      `${check.passed ? 'pass' : quick ? 'miss (quick run: indicative only)' : 'MISS'} ${check.id}: ${check.detail}`,
    )
  }
}

/** An error's message and those of its causes, on one line (no stack: the message says the fix). */
function describe(error: unknown): string {
  const parts: string[] = []
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.join('; caused by ')
}
