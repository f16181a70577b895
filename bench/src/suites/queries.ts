import type { QueryResult, Workload } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { SeededIds } from '../bench-tables.ts'
import type { PooledClientFactory } from '../clients/pooled-clients.ts'
import type { Progress } from '../progress.ts'
import { percentile, sorted, spread } from '../stats.ts'
import { closedLoop } from './closed-loop.ts'

const WORKLOADS: readonly Workload[] = ['point-select', 'insert-tx']

/**
 * Throughput and latency through a warm pool, for every client, concurrency and workload: a pool
 * with as many connections as callers, a warm-up that opens them, then `repetitions` closed-loop
 * runs of `queryRunMs`. The point select reads a random seeded row; the insert writes one row in a
 * transaction through the template's retrying `transaction()`.
 *
 * @example
 * ```ts
 * const rows = await measureQueries(dsqlPooledClients(target), ids, settings, progress)
 * ```
 */
export async function measureQueries(
  factories: readonly PooledClientFactory[],
  ids: SeededIds,
  settings: BenchSettings,
  progress: Progress,
): Promise<QueryResult[]> {
  const results: QueryResult[] = []
  const total = factories.length * settings.concurrencies.length * WORKLOADS.length
  let step = 0
  const randomId = () => ids[Math.floor(Math.random() * ids.length)] as string
  for (const factory of factories) {
    for (const concurrency of settings.concurrencies) {
      const client = factory.open(concurrency)
      try {
        for (const workload of WORKLOADS) {
          progress.step(
            'queries',
            ++step,
            total,
            `${factory.driver} ${factory.client} ${workload} x${concurrency}`,
          )
          const operation =
            workload === 'point-select'
              ? () => client.pointSelect(randomId())
              : () => client.insertInTransaction(randomId(), 'bench')
          await closedLoop(concurrency, settings.queryWarmUpMs, operation)
          const rates: number[] = []
          const p50s: number[] = []
          const p99s: number[] = []
          let errors = 0
          for (let round = 0; round < settings.repetitions; round++) {
            const figures = await closedLoop(concurrency, settings.queryRunMs, operation)
            const ordered = sorted(figures.latenciesMs)
            rates.push(figures.operations / figures.seconds)
            p50s.push(percentile(ordered, 50))
            p99s.push(percentile(ordered, 99))
            errors += figures.errors
          }
          results.push({
            driver: factory.driver,
            client: factory.client,
            workload,
            concurrency,
            opsPerSecond: spread(rates, 0),
            p50Ms: spread(p50s, 3),
            p99Ms: spread(p99s, 3),
            errors,
          })
        }
      } finally {
        await client.end()
      }
    }
  }
  return results
}
