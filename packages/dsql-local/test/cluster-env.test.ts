import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { captureLogger, pgClient } from './helpers.ts'

/**
 * A developer's shell: a profile (one that exists nowhere) and a session token of their own. The
 * SDK's default chain skips the environment's keys while AWS_PROFILE names a profile, and reads
 * AWS_SESSION_TOKEN together with them.
 */
const DEVELOPER_ENV = { AWS_PROFILE: 'missing-profile', AWS_SESSION_TOKEN: 'a-developer-token' }

/** The access key id a DSQL token was signed with. */
const signingKeyId = (token: string) =>
  new URLSearchParams(token.slice(token.indexOf('?') + 1)).get('X-Amz-Credential')?.split('/')[0]

describe('cluster.env hands the stand-in’s credentials over', () => {
  let cluster: DsqlLocalCluster
  beforeAll(async () => {
    cluster = await startDsqlLocal({ logger: captureLogger().logger })
  })
  afterAll(() => cluster?.stop())

  it('to this process, over a profile and a session token: the SDK’s default chain signs with the stand-in’s keys', async () => {
    const saved = { ...process.env }
    try {
      Object.assign(process.env, DEVELOPER_ENV)
      Object.assign(process.env, cluster.env) // as the examples' test setup does
      // No credentials given: the signer asks the SDK's default chain, the one fromNodeProviderChain runs.
      const signer = new DsqlSigner({
        hostname: process.env.CLUSTER_ENDPOINT ?? '',
        region: process.env.REGION ?? '',
      })
      const token = await signer.getDbConnectAdminAuthToken()
      expect(signingKeyId(token)).toBe(cluster.credentials.accessKeyId)
      expect(token).not.toContain('X-Amz-Security-Token')
      const client = pgClient(cluster, { password: () => token })
      await client.connect()
      try {
        expect((await client.query('SELECT current_user AS role')).rows).toEqual([
          { role: 'admin' },
        ])
      } finally {
        await client.end()
      }
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
      Object.assign(process.env, saved)
    }
  })

  it('to a child process started with it over a profile (as the demo does)', async () => {
    const script = [
      "import { DsqlSigner } from '@aws-sdk/dsql-signer'",
      'const { CLUSTER_ENDPOINT: hostname, REGION: region } = process.env',
      'process.stdout.write(await new DsqlSigner({ hostname, region }).getDbConnectAdminAuthToken())',
    ].join('\n')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '--eval', script],
      { cwd: import.meta.dirname, env: { ...process.env, ...DEVELOPER_ENV, ...cluster.env } },
    )
    expect(signingKeyId(stdout)).toBe(cluster.credentials.accessKeyId)
    expect(stdout).not.toContain('X-Amz-Security-Token')
  })
})
