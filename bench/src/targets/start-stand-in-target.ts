import { loadConfig } from 'dsql-auth'
import { startStandInTarget as startStandInProcess } from 'dsql-local/bench/stand-in-target'
import type { DsqlTarget } from '../bench-target.ts'

/** A running stand-in as a {@link DsqlTarget}, and how to stop it. */
export interface StandInTarget {
  readonly target: DsqlTarget
  /** The IAM principal of the stand-in's test credentials (for a non-admin role's grant). */
  readonly arn: string
  stop(): Promise<void>
}

/**
 * Starts a `dsql-local` stand-in in a child process of its own (so that its relay, its token checks
 * and its emulated latency do not share an event loop with the clients being measured), whose
 * every client flight arrives `latencyMs` later (the emulated network round trip), with its
 * connection rate limit raised so that the connect workload measures connections, not the
 * limiter. Listens on 127.0.0.1; the caller stops it.
 *
 * @example
 * ```ts
 * const standIn = await startStandInTarget(5)
 * try { createPool(standIn.target.config) } finally { await standIn.stop() }
 * ```
 */
export async function startStandInTarget(latencyMs: number): Promise<StandInTarget> {
  const started = await startStandInProcess({
    id: `dsql-local-${latencyMs}ms`,
    label: `dsql-local (${latencyMs} ms round trip)`,
    options: { latencyMs, connectionRatePerSecond: 10_000, connectionBurst: 10_000 },
  })
  try {
    const { standIn } = started
    const env = { ...standIn.env }
    const target: DsqlTarget = Object.freeze({
      label: started.label,
      latencyMs,
      env,
      config: loadConfig(env),
      endpoint: standIn.endpoint,
      host: standIn.host,
      port: standIn.port,
      region: standIn.region,
      caPem: standIn.caPem,
    })
    return { target, arn: standIn.credentials.arn, stop: () => started.stop() }
  } catch (error) {
    await started.stop()
    throw error
  }
}
