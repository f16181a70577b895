import { readFileSync } from 'node:fs'
import { loadConfig } from 'dsql-auth'
import type { DsqlTarget } from '../bench-target.ts'

/**
 * A cluster named by the environment as a {@link DsqlTarget}: the same variables the examples read
 * (`CLUSTER_ENDPOINT`, `REGION`, `DB_HOST`, `DB_PORT`, `DB_SSL_ROOT_CERT`, AWS credentials from the
 * default chain). TLS trusts Node's own roots, plus `DB_SSL_ROOT_CERT` when set, as the templates
 * do; so a stand-in's environment works here too.
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
    label: config.endpoint,
    latencyMs: 0,
    env: own,
    config,
    endpoint: config.endpoint,
    host: config.host,
    port: config.port,
    region: config.region,
    caPem: config.sslRootCert === undefined ? undefined : readFileSync(config.sslRootCert, 'utf8'),
  })
}
