import type { ConnectResult } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { ConnectSampler } from '../clients/connect-samplers.ts'
import type { Progress } from '../progress.ts'
import { percentile, sorted, spread } from '../stats.ts'

/**
 * Time to a first query on a new connection, for each sampler: `connectWarmUp` connections each
 * first, then `repetitions` rounds of `connectSamples` connections. Within a round the samplers
 * take turns, one connection each (A, B, C, A, B, C...), so that a slow moment of the machine
 * falls on every client alike and the ratios between them hold. Reports each round's p50 and p95
 * as a {@link Spread} over the rounds.
 *
 * @example
 * ```ts
 * const rows = await measureConnect(dsqlConnectSamplers(target, token), 5, settings, progress)
 * ```
 */
export async function measureConnect(
  samplers: readonly ConnectSampler[],
  latencyMs: number,
  settings: BenchSettings,
  progress: Progress,
): Promise<ConnectResult[]> {
  const p50s = samplers.map((): number[] => [])
  const p95s = samplers.map((): number[] => [])
  const workload = `connect ${latencyMs} ms`
  const names = samplers.map((sampler) => `${sampler.driver} ${sampler.client} ${sampler.tls}`)
  for (const [index, sampler] of samplers.entries()) {
    progress.step(workload, 0, settings.repetitions, `warm-up: ${names[index]}`)
    for (let i = 0; i < settings.connectWarmUp; i++) await sampler.sample()
  }
  for (let round = 0; round < settings.repetitions; round++) {
    progress.step(
      workload,
      round + 1,
      settings.repetitions,
      `${samplers.length} clients x ${settings.connectSamples} connections, in turns`,
    )
    const times = samplers.map((): number[] => [])
    for (let i = 0; i < settings.connectSamples; i++) {
      for (const [index, sampler] of samplers.entries()) {
        times[index]?.push(await sampler.sample())
      }
    }
    for (const [index, own] of times.entries()) {
      const ordered = sorted(own)
      p50s[index]?.push(percentile(ordered, 50))
      p95s[index]?.push(percentile(ordered, 95))
    }
  }
  return samplers.map((sampler, index) => ({
    driver: sampler.driver,
    client: sampler.client,
    tls: sampler.tls,
    latencyMs,
    samples: settings.connectSamples,
    p50Ms: spread(p50s[index] ?? []),
    p95Ms: spread(p95s[index] ?? []),
  }))
}
