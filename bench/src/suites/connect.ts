import type { ConnectResult } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { ConnectSampler } from '../clients/connect-samplers.ts'
import type { Progress } from '../progress.ts'
import { percentile, sorted, spread } from '../stats.ts'

/**
 * Time to a first query on a new connection, for each sampler: `connectWarmUp` connections first,
 * then `repetitions` rounds of `connectSamples` connections one after the other. The rounds go
 * through all samplers in turn (round 1 of each, then round 2...), so a slow phase of the machine
 * does not fall on one client alone. Reports p50 and p95 per round as a {@link Spread}.
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
  const total = samplers.length * settings.repetitions
  let step = 0
  for (let round = 0; round < settings.repetitions; round++) {
    for (const [index, sampler] of samplers.entries()) {
      progress.step(
        `connect ${latencyMs} ms`,
        ++step,
        total,
        `${sampler.driver} ${sampler.client} ${sampler.tls}`,
      )
      if (round === 0) for (let i = 0; i < settings.connectWarmUp; i++) await sampler.sample()
      const times: number[] = []
      for (let i = 0; i < settings.connectSamples; i++) {
        const start = performance.now()
        await sampler.sample()
        times.push(performance.now() - start)
      }
      const ordered = sorted(times)
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
