import type { DsqlLocalOptions } from '../dsql-local-options.ts'
import { startDsqlLocal } from '../start-dsql-local.ts'
import { type Env, type ProvidingProject, provideRealCluster } from './real-cluster-setup.ts'

/** Where {@link provideCluster} looks for a real cluster, and how it starts a stand-in. */
export interface ProvideClusterOptions {
  /** Read for `CLUSTER_ENDPOINT` and `IAM_ROLE_ARN`. Default: `process.env`. */
  readonly env?: Env
  /**
   * Options of the stand-in. Default: a logger that shows only the stand-in's own errors, since
   * tests provoke refusals on purpose.
   */
  readonly standIn?: DsqlLocalOptions
}

/** Refusals are expected in tests; only errors of the stand-in itself are shown. */
const errorsOnly: NonNullable<DsqlLocalOptions['logger']> = {
  info: () => {},
  warn: () => {},
  error: (message) => console.error(`dsql-local: ${message}`),
}

/**
 * One cluster for a vitest run, handed to the tests as `inject('clusterEnv')` (apply it to
 * `process.env` in a setup file), `inject('iamArn')` and `inject('local')`. When `CLUSTER_ENDPOINT`
 * is set, that real cluster, with the environment's AWS credentials and `IAM_ROLE_ARN` for the
 * non-admin tests; no stand-in is started. Otherwise it starts one dsql-local and resolves to the
 * teardown that stops it.
 *
 * @example
 * ```ts
 * // test/global-setup.ts, named in vitest.config.ts's `globalSetup`
 * export default (project: TestProject) => provideCluster(project)
 * // test/use-cluster-env.ts, named in `setupFiles`
 * Object.assign(process.env, inject('clusterEnv'))
 * ```
 */
export async function provideCluster(
  project: ProvidingProject,
  options: ProvideClusterOptions = {},
): Promise<(() => Promise<void>) | undefined> {
  const env = options.env ?? process.env
  if (env.CLUSTER_ENDPOINT) {
    provideRealCluster(project, env)
    return undefined
  }
  const cluster = await startDsqlLocal({ logger: errorsOnly, ...options.standIn })
  project.provide('clusterEnv', { ...cluster.env })
  project.provide('iamArn', cluster.credentials.arn)
  project.provide('local', true)
  return () => cluster.stop()
}
