import type { TokenResult } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { DsqlTarget } from '../bench-target.ts'
import type { Progress } from '../progress.ts'
import { percentile, sorted, spread } from '../stats.ts'
import { withEnv } from './token-env.ts'
import { TOKEN_METHODS, tokenMethods } from './token-methods.ts'

/**
 * What obtaining the token costs one new connection, by method (see `tokenMethods` for what each
 * one does, and what the official connector does per checkout): each method is warmed up with a
 * quarter of `tokenSamples` acquisitions, then timed in `repetitions` rounds of `tokenSamples`
 * acquisitions one after the other, each acquisition on its own clock (`performance.now()` around
 * one awaited call). The rounds go through the methods in turn. Runs with `target.env` applied over
 * `process.env`, restored afterwards; nothing else should run in this process meanwhile.
 *
 * Reports p50 and p99 per round in microseconds as a `Spread`, and the p50's median as a share of
 * `pgConnectP50Ms`, the `pg` template's connect p50 (at 0 ms emulated latency); the share is `NaN`
 * when that is not a positive number (unknown).
 * @example
 * ```ts
 * const token = await measureToken(target, FULL_SETTINGS, progress, 5.77)
 * token.find((row) => row.method === 'cached')?.p50Us.median // e.g. 0.4
 * ```
 */
export async function measureToken(
  target: DsqlTarget,
  settings: BenchSettings,
  progress: Progress,
  pgConnectP50Ms: number,
): Promise<TokenResult[]> {
  return withEnv(target.env, async () => {
    const methods = await tokenMethods(target)
    try {
      const p50s = TOKEN_METHODS.map((): number[] => [])
      const p99s = TOKEN_METHODS.map((): number[] => [])
      const warmUp = Math.max(1, Math.ceil(settings.tokenSamples / 4))
      const total = TOKEN_METHODS.length * settings.repetitions
      let step = 0
      for (let round = 0; round < settings.repetitions; round++) {
        for (const [index, method] of TOKEN_METHODS.entries()) {
          progress.step('token', ++step, total, method)
          const acquire = methods.acquire[method]
          if (round === 0) for (let i = 0; i < warmUp; i++) await acquire()
          const timesUs: number[] = []
          for (let i = 0; i < settings.tokenSamples; i++) {
            const start = performance.now()
            await acquire()
            timesUs.push((performance.now() - start) * 1000)
          }
          const ordered = sorted(timesUs)
          p50s[index]?.push(percentile(ordered, 50))
          p99s[index]?.push(percentile(ordered, 99))
        }
      }
      return TOKEN_METHODS.map((method, index): TokenResult => {
        const p50Us = spread(p50s[index] ?? [])
        return {
          method,
          p50Us,
          p99Us: spread(p99s[index] ?? []),
          shareOfConnectPercent: shareOf(p50Us.median / 1000, pgConnectP50Ms),
        }
      })
    } finally {
      methods.close()
    }
  })
}

/**
 * `partMs` as a percentage of `wholeMs`, to three significant digits (a cached token is about
 * 0.01 %); `NaN` when `wholeMs` is not a positive number.
 */
function shareOf(partMs: number, wholeMs: number): number {
  if (!(Number.isFinite(wholeMs) && wholeMs > 0)) return Number.NaN
  return Number(((partMs / wholeMs) * 100).toPrecision(3))
}
