import { loadConfig } from 'dsql-auth'
import type { DsqlTarget } from '../bench-target.ts'

/**
 * A real Aurora DSQL cluster as a {@link DsqlTarget}, from the same environment the examples read
 * (`CLUSTER_ENDPOINT`, `REGION`, AWS credentials from the default chain). TLS trusts Node's own
 * roots, as the templates do.
 *
 * @example
 * ```ts
 * if (process.env.CLUSTER_ENDPOINT) target = clusterTarget(process.env)
 * ```
 */
export function clusterTarget(env: NodeJS.ProcessEnv): DsqlTarget {
  const config = loadConfig(env)
  const own: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (value !== undefined) own[name] = value
  return Object.freeze({
    label: config.host,
    latencyMs: 0,
    env: own,
    config,
    endpoint: config.host,
    host: config.host,
    port: config.port,
    region: config.region,
    caPem: undefined,
  })
}
