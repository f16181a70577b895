import type { FootprintResult } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { DsqlTarget } from '../bench-target.ts'
import type { Progress } from '../progress.ts'
import { spread } from '../stats.ts'
import { FOOTPRINT_CLIENTS } from './footprint-clients.ts'
import { type FootprintFigures, runFootprintProcess } from './footprint-process.ts'

const KIB_PER_MIB = 1024

/**
 * Cold start and peak memory of each template (`pg`, postgres.js, Kysely) and of the official
 * connector, each in fresh Node.js processes started one after the other (see
 * `runFootprintProcess` for exactly what the cold start includes). First one untimed process per
 * client, so that the file-system cache holds every client's modules alike (a cold start here is
 * a new process, not a cold disk); then `footprintProcesses` rounds, each starting one process per
 * client in turn, so that a slow phase of the machine does not fall on one client alone. Each
 * process runs `footprintQueries` point queries at 10 in flight before it reports its peak RSS.
 *
 * @throws {FootprintChildError} when a process fails or outlives 60 s (it is killed first).
 * @example
 * ```ts
 * const rows = await measureFootprint(target, QUICK_SETTINGS, progress)
 * rows[0]?.coldStartMs.median // e.g. 180 (ms)
 * ```
 */
export async function measureFootprint(
  target: DsqlTarget,
  settings: BenchSettings,
  progress: Progress,
): Promise<FootprintResult[]> {
  const figures = FOOTPRINT_CLIENTS.map((): FootprintFigures[] => [])
  const total = FOOTPRINT_CLIENTS.length * (settings.footprintProcesses + 1)
  let step = 0
  for (let round = 0; round <= settings.footprintProcesses; round++) {
    for (const [index, client] of FOOTPRINT_CLIENTS.entries()) {
      const what = round === 0 ? 'warm-up' : `process ${round}/${settings.footprintProcesses}`
      progress.step('footprint', ++step, total, `${client.driver} ${client.client} ${what}`)
      const measured = await runFootprintProcess(client.id, target, settings.footprintQueries)
      if (round > 0) figures[index]?.push(measured)
    }
  }
  return FOOTPRINT_CLIENTS.map((client, index) => {
    const runs = figures[index] ?? []
    return {
      driver: client.driver,
      client: client.client,
      coldStartMs: spread(runs.map((run) => run.coldStartMs)),
      peakRssMiB: spread(runs.map((run) => run.maxRssKiB / KIB_PER_MIB)),
    }
  })
}
