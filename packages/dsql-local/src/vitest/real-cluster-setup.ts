// The real-cluster half of dsql-local's test harness. It imports nothing from dsql-local (only
// vitest's types), so that `pnpm create-app --no-local` can copy it alone into a template that
// tests real clusters only, as that template's `test/global-setup.ts`.
import type { ProvidedContext } from 'vitest'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Environment for the tests: the stand-in's, or empty when the real cluster's is already set. */
    clusterEnv: Record<string, string>
    /** The IAM ARN the tests' credentials stand for, for `AWS IAM GRANT`; '' when unknown. */
    iamArn: string
    /** Whether the cluster is the local stand-in. */
    local: boolean
  }
}

/** The one method of vitest's `TestProject` the harness uses: a global setup's `project.provide`. */
export interface ProvidingProject {
  provide<K extends keyof ProvidedContext & string>(key: K, value: ProvidedContext[K]): void
}

/** Environment variables, as in `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>

/**
 * Hands the tests the real cluster that `CLUSTER_ENDPOINT` names: nothing to add to their
 * environment (they connect with its settings and AWS credentials, as the program does), the IAM
 * ARN from `IAM_ROLE_ARN` ('' when unset: the non-admin tests skip), and `local: false`.
 *
 * @example
 * ```ts
 * // in a vitest global setup
 * export default (project: TestProject) => provideRealCluster(project, process.env)
 * // in the tests
 * it.skipIf(inject('iamArn') === '')('maps a role to an IAM identity', ...)
 * ```
 */
export function provideRealCluster(project: ProvidingProject, env: Env = process.env): void {
  // Plain Errors: this file stands alone in a copy without dsql-local and its error classes.
  if (!env.CLUSTER_ENDPOINT) throw new Error(needsCluster)
  project.provide('clusterEnv', {})
  project.provide('iamArn', env.IAM_ROLE_ARN ?? '')
  project.provide('local', false)
}

const needsCluster =
  'The tests need a cluster: set CLUSTER_ENDPOINT and AWS credentials (e.g. AWS_PROFILE) for a ' +
  'real one, and IAM_ROLE_ARN for the non-admin tests.'

/**
 * A vitest global setup for real clusters only (see {@link provideRealCluster}); without
 * `CLUSTER_ENDPOINT` it fails saying what is missing.
 */
export default function setup(project: TestProject): void {
  if (!process.env.CLUSTER_ENDPOINT) {
    throw new Error(
      `${needsCluster} This project has no local stand-in: it was made without dsql-local ` +
        '(`pnpm create-app --no-local`).',
    )
  }
  provideRealCluster(project)
}
