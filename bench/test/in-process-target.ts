import { loadConfig } from 'dsql-auth'
import { type DsqlLocalCluster, type DsqlLocalLogger, startDsqlLocal } from 'dsql-local'
import type { DsqlTarget } from '../src/bench-target.ts'

const quiet: DsqlLocalLogger = { info: () => {}, warn: () => {}, error: () => {} }

/**
 * A stand-in started in the test's own process (so that a test can read its log through `logger`)
 * and the {@link DsqlTarget} that reaches it at 0 ms added latency. The caller stops `cluster`.
 *
 * @example
 * ```ts
 * const { cluster, target } = await startInProcessTarget()
 * try { await measureToken(target, settings, silentProgress, 5) } finally { await cluster.stop() }
 * ```
 */
export async function startInProcessTarget(
  logger: DsqlLocalLogger = quiet,
): Promise<{ readonly cluster: DsqlLocalCluster; readonly target: DsqlTarget }> {
  const cluster = await startDsqlLocal({ logger })
  const env = { ...cluster.env }
  const target: DsqlTarget = {
    label: 'dsql-local (in process)',
    latencyMs: 0,
    env,
    config: loadConfig(env),
    endpoint: cluster.endpoint,
    host: cluster.host,
    port: cluster.port,
    region: cluster.region,
    caPem: cluster.caPem,
  }
  return { cluster, target }
}
