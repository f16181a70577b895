import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Environment for the tests: dsql-local's, or empty when the real cluster's is already set. */
    clusterEnv: Record<string, string>
    /** The IAM ARN the tests' credentials stand for, for `AWS IAM GRANT`; '' when unknown. */
    iamArn: string
    /** Whether the cluster is the local stand-in. */
    local: boolean
  }
}

/**
 * Starts one dsql-local for the test run, unless `CLUSTER_ENDPOINT` names a real cluster: then the
 * tests use it with the AWS credentials of the environment (and `IAM_ROLE_ARN` for the non-admin test).
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  if (process.env.CLUSTER_ENDPOINT) {
    project.provide('clusterEnv', {})
    project.provide('iamArn', process.env.IAM_ROLE_ARN ?? '')
    project.provide('local', false)
    return undefined
  }
  // Imported only here, so a copy of this folder without dsql-local still tests a real cluster.
  const { startDsqlLocal } = await import('dsql-local').catch((error: unknown) => {
    throw new Error(
      'The tests need a cluster: set CLUSTER_ENDPOINT and AWS credentials for a real one, ' +
        'or keep the dsql-local package beside this project (see README, "Use this folder as a template").',
      { cause: error },
    )
  })
  // Refusals are expected in these tests; only errors of the stand-in itself are shown.
  const cluster = await startDsqlLocal({
    logger: {
      info: () => {},
      warn: () => {},
      error: (message) => console.error(`dsql-local: ${message}`),
    },
  })
  project.provide('clusterEnv', { ...cluster.env })
  project.provide('iamArn', cluster.credentials.arn)
  project.provide('local', true)
  return () => cluster.stop()
}
