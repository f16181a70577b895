import { isOccConflict } from 'dsql-auth'
import { BenchError } from '../bench-error.ts'
import type { ContentionResult } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import { counterSum, resetCounters, type SetupClientFactory } from '../bench-tables.ts'
import type { PooledClientFactory } from '../clients/pooled-clients.ts'
import type { Progress } from '../progress.ts'
import { spread } from '../stats.ts'
import { closedLoop } from './closed-loop.ts'

/**
 * Optimistic concurrency under load: `workers` callers each read a random one of `rows` counters
 * and write it back plus one, in a transaction retried on OCC conflicts (the templates through
 * `dsql-auth`'s `withRetry`, the official connector through its own `pool.transaction()`).
 * Attempts are counted as calls of the transaction's body, so every client is counted the same
 * way; a conflict is an attempt that did not commit. A warm-up (`queryWarmUpMs`) opens the pool's
 * connections first, uncounted. Checks that no committed increment was lost (the counters' sum
 * equals every commit, the warm-up's included). Any error other than a conflict stops the workload
 * and fails it.
 *
 * @example
 * ```ts
 * const rows = await measureContention(dsqlPooledClients(target), setupClient, settings, progress)
 * ```
 */
export async function measureContention(
  factories: readonly PooledClientFactory[],
  setup: SetupClientFactory,
  settings: BenchSettings,
  progress: Progress,
): Promise<ContentionResult[]> {
  const { workers, rows, runMs } = settings.contention
  const results: ContentionResult[] = []
  for (const [index, factory] of factories.entries()) {
    if (factory.client !== 'template' && factory.client !== 'official') continue
    progress.step(
      'contention',
      index + 1,
      factories.length,
      `${factory.driver} ${factory.client}, ${workers} workers on ${rows} rows`,
    )
    await resetCounters(setup)
    const client = factory.open(workers)
    let attempts = 0
    let commits = 0
    let gaveUp = 0
    let committedInWarmUp = 0
    let failure: unknown
    const rates: number[] = []
    const onAttempt = () => {
      attempts += 1
    }
    const failed = () => failure !== undefined
    try {
      const increment = async () => {
        try {
          await client.increment(1 + Math.floor(Math.random() * rows), onAttempt)
        } catch (error) {
          if (isOccConflict(error)) gaveUp += 1
          else failure ??= error
          throw error
        }
      }
      const warmUp = await closedLoop(workers, settings.queryWarmUpMs, increment, failed)
      committedInWarmUp = warmUp.operations
      attempts = 0
      gaveUp = 0
      for (let round = 0; round < settings.repetitions && !failed(); round++) {
        const figures = await closedLoop(workers, runMs, increment, failed)
        commits += figures.operations
        rates.push(figures.operations / figures.seconds)
      }
    } finally {
      await client.end()
    }
    if (failure !== undefined) {
      throw new BenchError(
        'WORKLOAD_FAILED',
        `contention through ${factory.driver} ${factory.client} failed with an error that is not a conflict (see its cause); the run stopped there`,
        { cause: failure },
      )
    }
    const sum = await counterSum(setup)
    const conflicts = attempts - commits
    results.push({
      driver: factory.driver,
      client: factory.client,
      workers,
      rows,
      commits,
      conflicts,
      retries: conflicts - gaveUp,
      attemptsPerCommit: Number((attempts / Math.max(1, commits)).toFixed(3)),
      commitsPerSecond: spread(rates, 0),
      lostUpdates: committedInWarmUp + commits - sum,
      gaveUp,
    })
  }
  return results
}
