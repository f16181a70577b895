// `pnpm --filter dsql-local bench` (or `node bench/relay-throughput.ts [--quick]`): how much the
// stand-in's TLS front and relay cost per round trip. Measures `select 1` and a one-row insert at 1
// and at 16 concurrent clients through (a) the stand-in with DSQL's SQL classification and its
// transaction limits, (a2) the same with the limits off (the classification alone), (b) the stand-in
// with `sqlDialect: 'postgres'`, and (c) PostgreSQL 16's own TLS, the ceiling. Prints a
// table to stdout, progress to stderr, and writes the raw figures to bench/results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { parseArgs } from 'node:util'
import type pg from 'pg'
import type { BenchTarget } from './bench-target.ts'
import { benchWorkloads } from './bench-workloads.ts'
import { formatReport, type ReportCell } from './format-report.ts'
import { runLoad } from './run-load.ts'
import { startPostgresTlsTarget } from './start-postgres-tls-target.ts'
import { startStandInTarget } from './start-stand-in-target.ts'
import { type RunStats, runStats, summarize } from './summarize-runs.ts'

const usage = `usage: node bench/relay-throughput.ts [--quick] [--repetitions N] [--warmup-ms N] [--duration-ms N]
  --quick   2 repetitions of 0.6 s after 0.25 s of warm-up (about 30 s in all)
  default   3 repetitions of 5 s after 1 s of warm-up (about 4 minutes)
`
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    repetitions: { type: 'string' },
    'warmup-ms': { type: 'string' },
    'duration-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  process.stdout.write(usage)
  process.exit(0)
}
const defaults = args.quick
  ? { repetitions: 2, warmupMs: 250, durationMs: 600 }
  : { repetitions: 3, warmupMs: 1000, durationMs: 5000 }
const settings = {
  quick: args.quick,
  repetitions: positive('repetitions', args.repetitions, defaults.repetitions),
  warmupMs: positive('warmup-ms', args['warmup-ms'], defaults.warmupMs),
  durationMs: positive('duration-ms', args['duration-ms'], defaults.durationMs),
  clients: [1, 16],
}
const ceilingId = 'c'
const resultsFile = new URL('./results/latest.json', import.meta.url)
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`)

// Ctrl-C (or SIGTERM): finish the current round trips, then stop every server; twice: exit now
// (the stand-ins stop when their IPC channel closes, PostgreSQL gets SIGQUIT at exit).
const abort = new AbortController()
const onSignal = (signal: NodeJS.Signals) => {
  if (abort.signal.aborted) process.exit(130)
  progress(`${signal}: stopping the servers`)
  abort.abort()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

// Other work on the machine skews every figure: the report shows the load around the run.
const loadAtStart = os.loadavg()[0] ?? 0
const targets: BenchTarget[] = []
const clients = new Map<string, pg.Client[]>()
try {
  progress(
    'starting (a), (a2) and (b), three stand-ins in child processes, and (c), PostgreSQL with TLS',
  )
  targets.push(
    ...(await settled([
      startStandInTarget({ id: 'a', label: 'stand-in, DSQL rules and limits', options: {} }),
      startStandInTarget({
        id: 'a2',
        label: 'stand-in, DSQL rules, limits off',
        options: { relaxRules: ['row-limit', 'size-limit'] },
      }),
      startStandInTarget({
        id: 'b',
        label: 'stand-in, classification off',
        options: { sqlDialect: 'postgres' },
      }),
      startPostgresTlsTarget({ id: ceilingId, label: 'PostgreSQL 16 TLS (ceiling)' }),
    ])),
  )
  progress('checking that only (a) and (a2) refuse TRUNCATE (the stand-ins log that refusal)')
  for (const target of targets) {
    abort.signal.throwIfAborted()
    const list: pg.Client[] = []
    clients.set(target.id, list)
    const count = Math.max(...settings.clients)
    list.push(...(await settled(Array.from({ length: count }, () => target.connect()))))
    for (const workload of benchWorkloads) await workload.prepare(list[0] as pg.Client)
    await checkClassification(target, list[0] as pg.Client)
  }
  const ceilingClient = clients.get(ceilingId)?.[0]
  const postgresVersion = (
    await ceilingClient?.query<{ server_version: string }>('show server_version')
  )?.rows[0]?.server_version

  const runs = new Map<string, RunStats[]>()
  for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
    for (const workload of benchWorkloads) {
      for (const count of settings.clients) {
        // Each repetition starts with another target, so that no target always runs first.
        const shift = (repetition - 1) % targets.length
        for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) {
          const result = await runLoad({
            clients: (clients.get(target.id) ?? []).slice(0, count),
            roundTrip: workload.run,
            warmupMs: settings.warmupMs,
            durationMs: settings.durationMs,
            signal: abort.signal,
          })
          const stats = runStats(result)
          const key = `${workload.id}/${count}/${target.id}`
          runs.set(key, [...(runs.get(key) ?? []), stats])
          progress(
            `repetition ${repetition}/${settings.repetitions}, ${workload.label}, ${count} ` +
              `client(s), (${target.id}): ${Math.round(stats.queriesPerSecond)} q/s`,
          )
        }
      }
    }
  }

  const cells = benchWorkloads.flatMap((workload) =>
    settings.clients.flatMap((count) =>
      targets.map((target) => {
        const targetRuns = runs.get(`${workload.id}/${count}/${target.id}`) ?? []
        return {
          workload: workload.label,
          workloadId: workload.id,
          clients: count,
          target: { id: target.id, label: target.label },
          runs: targetRuns,
          summary: summarize(targetRuns),
        }
      }),
    ),
  )
  const machine = {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    postgres: postgresVersion ?? 'unknown',
    loadAverage1m: { atStart: loadAtStart, atEnd: os.loadavg()[0] ?? 0 },
  }
  const reportSettings = { ...settings, cpus: machine.cpus, loadAverage1m: machine.loadAverage1m }
  process.stdout.write(formatReport(cells, reportSettings, ceilingId))
  await mkdir(new URL('.', resultsFile), { recursive: true })
  const results = {
    date: new Date().toISOString(),
    machine,
    settings,
    ceiling: ceilingId,
    cells,
    comparisons: comparisons(cells),
  }
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`)
  progress(`raw results written to ${resultsFile.pathname}`)
} catch (error) {
  if (!abort.signal.aborted) throw error
  progress('interrupted')
} finally {
  await Promise.allSettled([...clients.values()].flat().map((client) => client.end()))
  await Promise.allSettled(targets.map((target) => target.stop()))
  progress('servers stopped')
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  if (abort.signal.aborted) process.exitCode = 130
}

/**
 * Only (a) and (a2) apply DSQL's SQL rules, or the comparison means nothing: DSQL refuses TRUNCATE
 * (SQLSTATE 0A000), PostgreSQL takes it. A warning, not a failure, as the rule table may change.
 */
async function checkClassification(target: BenchTarget, client: pg.Client): Promise<void> {
  const refused = await client.query('truncate bench_item').then(
    () => false,
    (error: { code?: string }) => error.code === '0A000',
  )
  if (refused !== (target.id !== 'b' && target.id !== ceilingId)) {
    progress(
      `warning: (${target.id}) ${refused ? 'refused' : 'accepted'} TRUNCATE; check its SQL dialect`,
    )
  }
}

/** Each target against the ceiling at the same workload and number of clients. */
function comparisons(cells: readonly ReportCell[]) {
  return cells.flatMap((cell) => {
    const ceiling = cells.find(
      (other) =>
        other.target.id === ceilingId &&
        other.workload === cell.workload &&
        other.clients === cell.clients,
    )?.summary
    if (ceiling === undefined || cell.target.id === ceilingId) return []
    return [
      {
        workload: cell.workload,
        clients: cell.clients,
        target: cell.target.id,
        queriesPerSecondRatio: cell.summary.queriesPerSecond / ceiling.queriesPerSecond,
        addedMeanMs: cell.summary.meanMs - ceiling.meanMs,
        addedP50Ms: cell.summary.p50Ms - ceiling.p50Ms,
      },
    ]
  })
}

/** Awaits all; if any failed, releases those that succeeded and throws the first failure. */
async function settled<T extends { stop?(): Promise<void>; end?(): Promise<void> }>(
  pending: readonly Promise<T>[],
): Promise<T[]> {
  const outcomes = await Promise.allSettled(pending)
  const values = outcomes.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value] : [],
  )
  const failure = outcomes.find((outcome) => outcome.status === 'rejected')
  if (failure === undefined) return values
  await Promise.allSettled(values.map((value) => value.stop?.() ?? value.end?.()))
  throw failure.reason
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive integer\n${usage}`)
    process.exit(2)
  }
  return value
}
