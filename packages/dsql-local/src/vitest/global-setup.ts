import type { TestProject } from 'vitest/node'
import { provideCluster } from './provide-cluster.ts'

/**
 * A vitest global setup: one cluster for the run, a dsql-local stand-in or the real cluster that
 * `CLUSTER_ENDPOINT` names (see {@link provideCluster}).
 *
 * @example
 * ```ts
 * // test/global-setup.ts, named in vitest.config.ts's `globalSetup`
 * export { default } from 'dsql-local/vitest/global-setup'
 * ```
 */
export default function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  return provideCluster(project)
}
