import { performance } from 'node:perf_hooks'
import type pg from 'pg'

/** The round trips of one measurement: every latency, and how long the measurement took. */
export interface LoadResult {
  /** One entry per completed round trip, in ms. */
  readonly latenciesMs: Float64Array
  /** From the common start to the last completion, in ms. */
  readonly elapsedMs: number
}

/**
 * Runs `roundTrip` in a loop on every client at once, each client waiting for its previous
 * round trip: first for `warmupMs` (not recorded), then, from a common start, for `durationMs`.
 * Stops early, without a result, when `signal` aborts.
 *
 * @example
 * ```ts
 * const result = await runLoad({ clients, roundTrip: (c) => c.query('select 1'), warmupMs: 1000, durationMs: 5000, signal })
 * ```
 */
export async function runLoad(options: {
  readonly clients: readonly pg.Client[]
  readonly roundTrip: (client: pg.Client, n: number) => Promise<unknown>
  readonly warmupMs: number
  readonly durationMs: number
  readonly signal: AbortSignal
}): Promise<LoadResult> {
  const { clients, roundTrip, signal } = options
  const counters = clients.map(() => 0)
  const loop = async (index: number, until: number, latencies: number[] | undefined) => {
    const client = clients[index] as pg.Client
    let last = performance.now()
    while (last < until && !signal.aborted) {
      const start = last
      const n = counters[index] ?? 0
      counters[index] = n + 1
      await roundTrip(client, n)
      last = performance.now()
      latencies?.push(last - start)
    }
    return last
  }

  const warmupEnd = performance.now() + options.warmupMs
  await Promise.all(clients.map((_, index) => loop(index, warmupEnd, undefined)))
  signal.throwIfAborted()
  const perClient = clients.map((): number[] => [])
  const start = performance.now()
  const ends = await Promise.all(
    clients.map((_, index) => loop(index, start + options.durationMs, perClient[index])),
  )
  signal.throwIfAborted()
  return {
    latenciesMs: Float64Array.from(perClient.flat()),
    elapsedMs: Math.max(...ends) - start,
  }
}
