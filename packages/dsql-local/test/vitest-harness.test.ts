import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DsqlLocalError } from '../src/index.ts'
import { type ProvidingProject, provideCluster, provideRealCluster } from '../src/vitest/index.ts'
import realClusterSetup from '../src/vitest/real-cluster-setup.ts'

/** A global setup's `project`, keeping what was provided; vitest's TestProject in a real run. */
function recordingProject(): ProvidingProject & { readonly provided: Map<string, unknown> } {
  const provided = new Map<string, unknown>()
  return { provided, provide: (key, value) => void provided.set(key, value) }
}

/** Options no stand-in starts with: a call that tried to start one would reject. */
const unstartable = { region: 'moon' }
const endpoint = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'

describe('dsql-local/vitest: one cluster for a test run', () => {
  afterEach(() => vi.restoreAllMocks())

  it('without CLUSTER_ENDPOINT, starts a stand-in, hands over its environment and stops it at teardown', async () => {
    const errors = vi.spyOn(console, 'error')
    const project = recordingProject()
    const teardown = await provideCluster(project, { env: {} })
    expect(teardown).toBeTypeOf('function')
    const env = project.provided.get('clusterEnv') as Record<string, string>
    try {
      expect(project.provided.get('local')).toBe(true)
      expect(project.provided.get('iamArn')).toBe('arn:aws:iam::000000000000:user/dsql-local')
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining(['CLUSTER_ENDPOINT', 'DB_PORT', 'DB_SSL_ROOT_CERT', 'AWS_PROFILE']),
      )
      // The tests connect with nothing but that environment, as the examples' programs do.
      const connect = (password: string) =>
        new pg.Client({
          host: env.DB_HOST,
          port: Number(env.DB_PORT),
          user: 'admin',
          database: 'postgres',
          password,
          ssl: {
            ca: [readFileSync(env.DB_SSL_ROOT_CERT ?? '', 'utf8')],
            servername: env.CLUSTER_ENDPOINT,
            rejectUnauthorized: true,
          },
        })
      const signer = new DsqlSigner({
        hostname: env.CLUSTER_ENDPOINT ?? '',
        region: env.REGION ?? '',
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
        },
      })
      const client = connect(await signer.getDbConnectAdminAuthToken())
      await client.connect()
      try {
        expect((await client.query('select current_user as role')).rows).toEqual([
          { role: 'admin' },
        ])
      } finally {
        await client.end()
      }
      // A refusal is expected in tests: the harness's logger keeps it quiet.
      await expect(connect('not-a-token').connect()).rejects.toThrow('access denied')
      expect(errors).not.toHaveBeenCalled()
    } finally {
      await teardown?.()
    }
    expect(existsSync(env.DB_SSL_ROOT_CERT ?? '')).toBe(false) // its run directory is gone
  })

  it('with CLUSTER_ENDPOINT (made up: no real cluster here), starts no stand-in and hands over IAM_ROLE_ARN', async () => {
    const arn = 'arn:aws:iam::111122223333:role/app'
    const project = recordingProject()
    const teardown = await provideCluster(project, {
      env: { CLUSTER_ENDPOINT: endpoint, IAM_ROLE_ARN: arn },
      standIn: unstartable,
    })
    expect(teardown).toBeUndefined()
    expect(Object.fromEntries(project.provided)).toEqual({
      clusterEnv: {},
      iamArn: arn,
      local: false,
    })
    // The same call without CLUSTER_ENDPOINT tries to start one, and fails: so none was tried above.
    const failed = await provideCluster(recordingProject(), { env: {}, standIn: unstartable })
      .then(() => undefined)
      .catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(DsqlLocalError)
    expect((failed as DsqlLocalError).code).toBe('INVALID_OPTIONS')
  })

  it('with CLUSTER_ENDPOINT and no IAM_ROLE_ARN, hands over an empty ARN: the non-admin tests skip', async () => {
    const project = recordingProject()
    await provideCluster(project, { env: { CLUSTER_ENDPOINT: endpoint }, standIn: unstartable })
    expect(project.provided.get('iamArn')).toBe('')
    expect(project.provided.get('local')).toBe(false)
  })

  it('the real-cluster setup alone (a copy without dsql-local) says what is missing without CLUSTER_ENDPOINT', () => {
    const project = recordingProject()
    expect(() => provideRealCluster(project, {})).toThrow(
      /set CLUSTER_ENDPOINT and AWS credentials/,
    )
    const saved = process.env.CLUSTER_ENDPOINT
    delete process.env.CLUSTER_ENDPOINT
    try {
      // Typed as vitest's TestProject, of which it uses `provide` only.
      const asTestProject = project as unknown as Parameters<typeof realClusterSetup>[0]
      expect(() => realClusterSetup(asTestProject)).toThrow(
        /set CLUSTER_ENDPOINT .* made without dsql-local \(`pnpm create-app --no-local`\)/,
      )
      process.env.CLUSTER_ENDPOINT = endpoint
      realClusterSetup(asTestProject)
      expect(project.provided.get('local')).toBe(false)
    } finally {
      if (saved === undefined) delete process.env.CLUSTER_ENDPOINT
      else process.env.CLUSTER_ENDPOINT = saved
    }
    expect(project.provided.size).toBe(3)
  })

  it('the main entry loads no vitest; dsql-local/vitest and its global setup resolve by package name', async () => {
    // Every specifier resolved while Node imports the package by name, recorded by a resolve hook.
    const script = `
      import { registerHooks } from 'node:module'
      const seen = []
      registerHooks({ resolve: (specifier, context, next) => (seen.push(specifier), next(specifier, context)) })
      await import('dsql-local')
      const main = seen.filter((s) => s.startsWith('vitest'))
      const harness = import.meta.resolve('dsql-local/vitest')
      const setup = (await import('dsql-local/vitest/global-setup')).default
      console.log(JSON.stringify({ main, harness, setup: typeof setup }))
    `
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: path.join(import.meta.dirname, '..') },
    )
    expect(JSON.parse(stdout)).toEqual({
      main: [],
      harness: expect.stringMatching(/\/src\/vitest\/index\.ts$/),
      setup: 'function',
    })
  })
})
