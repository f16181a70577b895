import type { BenchRun } from '../../bench-results.ts'
import { pooledLatencyPhrase, sourceLabel, targetLabel } from '../labels.ts'
import { formatInteger } from '../number-format.ts'
import { formatDuration, formatRunDate, joinWords } from '../text-format.ts'

/**
 * The top of `results.md`: when, from which commit (and whether with uncommitted changes), against
 * what and on what the run was recorded, the installed versions and the settings every figure
 * below depends on.
 *
 * @example
 * ```ts
 * headerSection(run) // '# Benchmark results\n\nRecorded 2026-12-01 10:00 UTC ...'
 * ```
 */
export function headerSection(run: BenchRun): string {
  const { settings } = run
  const recorded =
    `Recorded ${formatRunDate(run.date)} by \`pnpm bench\` at ${sourceLabel(run.source)}, against ` +
    `${targetLabel(run.target)}, in ${formatDuration(run.durationSeconds)}. Every figure is the ` +
    "median of the run's repetitions, with the lowest and highest repetition in brackets; `—` " +
    'marks a figure the run did not measure.'
  const quick = run.quick
    ? '> **Quick run** (`pnpm bench --quick`): every workload once and short. A smoke test that ' +
      'the benchmark works, not a measurement: do not compare these figures.'
    : undefined
  const { machine } = run
  const versions = Object.entries(run.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  const about = [
    `- **Target**: ${targetLabel(run.target)}`,
    `- **Machine**: ${machine.cpu}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB memory, ${machine.os}`,
    `- **Node.js**: ${run.node}`,
    `- **Versions**: ${versions}`,
  ].join('\n')
  const latencies = joinWords(settings.latenciesMs.map(String))
  const concurrencies = joinWords(settings.concurrencies.map(String))
  const pooled = pooledLatencyPhrase(run.target)
  const settingsList = [
    `- **Repetitions**: ${settings.repetitions} of each workload.`,
    `- **Connect**: ${settings.connectWarmUp} warm-up connections, then ` +
      `${settings.connectSamples} new connections per repetition, at ${latencies} ms of emulated ` +
      'latency per round trip (stand-in only).',
    `- **Token**: ${formatInteger(settings.tokenSamples)} calls of each token source per ` +
      'repetition, in a tight loop.',
    `- **Queries**: ${formatInteger(settings.queryWarmUpMs)} ms warm-up, then ` +
      `${formatInteger(settings.queryRunMs)} ms per repetition with ${concurrencies} callers in ` +
      `flight, ${pooled}; point selects pick from ${formatInteger(settings.seedRows)} rows.`,
    `- **Contention**: ${settings.contention.workers} workers on ${settings.contention.rows} rows, ` +
      `${formatInteger(settings.contention.runMs)} ms per repetition, ${pooled}.`,
    `- **Footprint**: ${settings.footprintProcesses} processes per driver, ` +
      `${formatInteger(settings.footprintQueries)} pooled queries each.`,
  ].join('\n')
  return [
    '# Benchmark results',
    recorded,
    ...(quick === undefined ? [] : [quick]),
    '## Environment',
    about,
    '## Settings',
    settingsList,
  ].join('\n\n')
}
