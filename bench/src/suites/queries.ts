import type { QueryResult, Workload } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { SeededIds } from '../bench-tables.ts'
import type { PooledClientFactory } from '../clients/pooled-clients.ts'
import type { Progress } from '../progress.ts'
import { percentile, sorted, spread } from '../stats.ts'
import { closedLoop } from './closed-loop.ts'

const WORKLOADS: readonly Workload[] = ['point-select', 'insert-tx']

/** The figures of one client, workload and concurrency, one entry per repetition. */
interface Runs {
  readonly rates: number[]
  readonly p50s: number[]
  readonly p99s: number[]
  errors: number
}

/** A client to measure, and the seeded ids of the database it reaches. */
export interface QueryClient {
  readonly factory: PooledClientFactory
  readonly ids: SeededIds
}

/**
 * Throughput and latency through a warm pool, for every client, concurrency and workload: a pool
 * with as many connections as callers, a warm-up that opens them, then a closed-loop run of
 * `queryRunMs` per workload. The repetitions are rounds over all clients (round 1 of each, then
 * round 2...), each with a pool of its own, and each round starts one client further down the
 * list, so that neither a slow phase of the machine nor a growing table falls on one client alone.
 * The point select reads a random seeded row; the insert writes one row in a transaction retried
 * on OCC conflicts.
 *
 * @example
 * ```ts
 * const rows = await measureQueries(dsqlPooledClients(target).map((factory) => ({ factory, ids })), settings, progress)
 * ```
 */
export async function measureQueries(
  clients: readonly QueryClient[],
  settings: BenchSettings,
  progress: Progress,
): Promise<QueryResult[]> {
  const runs = new Map<string, Runs>()
  const key = (factory: number, concurrency: number, workload: Workload) =>
    `${factory} ${concurrency} ${workload}`
  const total = settings.repetitions * clients.length * settings.concurrencies.length
  let step = 0
  for (let round = 0; round < settings.repetitions; round++) {
    for (let turn = 0; turn < clients.length; turn++) {
      const index = (turn + round) % clients.length
      const { factory, ids } = clients[index] as QueryClient
      const randomId = () => ids[Math.floor(Math.random() * ids.length)] as string
      for (const concurrency of settings.concurrencies) {
        progress.step(
          'queries',
          ++step,
          total,
          `${factory.driver} ${factory.client} x${concurrency} (round ${round + 1})`,
        )
        const client = factory.open(concurrency)
        try {
          for (const workload of WORKLOADS) {
            const operation =
              workload === 'point-select'
                ? () => client.pointSelect(randomId())
                : () => client.insertInTransaction(randomId(), 'bench')
            await closedLoop(concurrency, settings.queryWarmUpMs, operation)
            const figures = await closedLoop(concurrency, settings.queryRunMs, operation)
            const ordered = sorted(figures.latenciesMs)
            const own = runs.get(key(index, concurrency, workload)) ?? {
              rates: [],
              p50s: [],
              p99s: [],
              errors: 0,
            }
            own.rates.push(figures.operations / figures.seconds)
            own.p50s.push(percentile(ordered, 50))
            own.p99s.push(percentile(ordered, 99))
            own.errors += figures.errors
            runs.set(key(index, concurrency, workload), own)
          }
        } finally {
          await client.end()
        }
      }
    }
  }
  return clients.flatMap(({ factory }, index) =>
    settings.concurrencies.flatMap((concurrency) =>
      WORKLOADS.map((workload): QueryResult => {
        const own = runs.get(key(index, concurrency, workload)) as Runs
        return {
          driver: factory.driver,
          client: factory.client,
          workload,
          concurrency,
          opsPerSecond: spread(own.rates, 0),
          p50Ms: spread(own.p50s, 3),
          p99Ms: spread(own.p99s, 3),
          errors: own.errors,
        }
      }),
    ),
  )
}
