import { isOccConflict } from 'dsql-auth'
import type { ContentionResult } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import { counterSum, resetCounters, type SetupClientFactory } from '../bench-tables.ts'
import type { PooledClientFactory } from '../clients/pooled-clients.ts'
import type { Progress } from '../progress.ts'
import { spread } from '../stats.ts'
import { closedLoop } from './closed-loop.ts'

/**
 * Optimistic concurrency under load: `workers` callers each read a random one of `rows` counters
 * and write it back plus one, in a transaction retried by `dsql-auth`'s `withRetry` (through each
 * template's `transaction()`). Counts the conflicts (40001 retries), the attempts per committed
 * transaction, transactions that gave up, and checks that no committed increment was lost (the
 * counters' sum equals the commits).
 *
 * @example
 * ```ts
 * const rows = await measureContention(templates, setupClient, settings, progress)
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
    progress.step(
      'contention',
      index + 1,
      factories.length,
      `${factory.driver} ${factory.client}, ${workers} workers on ${rows} rows`,
    )
    await resetCounters(setup)
    const client = factory.open(workers)
    let conflicts = 0
    let commits = 0
    let gaveUp = 0
    let failure: unknown
    const rates: number[] = []
    try {
      const retry = {
        onRetry: (event: { error: unknown }) => {
          if (isOccConflict(event.error)) conflicts += 1
        },
      }
      for (let round = 0; round < settings.repetitions; round++) {
        let roundCommits = 0
        const figures = await closedLoop(workers, runMs, async () => {
          try {
            await client.increment(1 + Math.floor(Math.random() * rows), retry)
            roundCommits += 1
          } catch (error) {
            if (isOccConflict(error)) gaveUp += 1
            else failure ??= error
            throw error
          }
        })
        commits += roundCommits
        rates.push(roundCommits / figures.seconds)
      }
    } finally {
      await client.end()
    }
    if (failure !== undefined) {
      throw new Error(`contention through ${factory.driver} ${factory.client} failed`, {
        cause: failure,
      })
    }
    const sum = await counterSum(setup)
    results.push({
      driver: factory.driver,
      workers,
      rows,
      commits,
      conflicts,
      // Every attempt ends in a commit, a retry (counted in `conflicts`) or giving up.
      attemptsPerCommit: Number(((commits + conflicts + gaveUp) / Math.max(1, commits)).toFixed(3)),
      commitsPerSecond: spread(rates, 0),
      lostUpdates: commits - sum,
      gaveUp,
    })
  }
  return results
}
