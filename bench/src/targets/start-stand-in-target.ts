import { loadConfig } from 'dsql-auth'
import { startDsqlLocal } from 'dsql-local'
import type { DsqlTarget } from '../bench-target.ts'

/** A running stand-in as a {@link DsqlTarget}, and how to stop it. */
export interface StandInTarget {
  readonly target: DsqlTarget
  /** The IAM principal of the stand-in's test credentials (for a non-admin role's grant). */
  readonly arn: string
  stop(): Promise<void>
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} }

/**
 * Starts a `dsql-local` stand-in whose every client flight arrives `latencyMs` later (the emulated
 * network round trip), with its connection rate limit raised so that the connect workload measures
 * connections, not the limiter. Listens on 127.0.0.1; the caller stops it.
 *
 * @example
 * ```ts
 * const standIn = await startStandInTarget(5)
 * try { createPool(standIn.target.config) } finally { await standIn.stop() }
 * ```
 */
export async function startStandInTarget(latencyMs: number): Promise<StandInTarget> {
  const cluster = await startDsqlLocal({
    logger: quiet,
    latencyMs,
    connectionRatePerSecond: 10_000,
    connectionBurst: 10_000,
  })
  try {
    const env = { ...cluster.env }
    const target: DsqlTarget = Object.freeze({
      label: `dsql-local (${latencyMs} ms round trip)`,
      latencyMs,
      env,
      config: loadConfig(env),
      endpoint: cluster.endpoint,
      host: cluster.host,
      port: cluster.port,
      region: cluster.region,
      caPem: cluster.caPem,
    })
    return { target, arn: cluster.credentials.arn, stop: () => cluster.stop() }
  } catch (error) {
    await cluster.stop()
    throw error
  }
}
