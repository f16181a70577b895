import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'

const bin = path.join(import.meta.dirname, '..', 'bin', 'dsql-local.ts')
const children: ChildProcess[] = []

/** Runs the `dsql-local` command and resolves to the environment it printed once it is ready. */
async function startCli(
  args: string[],
  stdin: 'ignore' | 'pipe' = 'ignore',
): Promise<{ child: ChildProcess; env: Record<string, string>; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, '--quiet', ...args], {
    stdio: [stdin, 'pipe', 'pipe'],
  })
  children.push(child)
  // stdout (the environment) and stderr (the ready line) are separate pipes: wait for both.
  let stdout = ''
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stderr.includes('ready:') && /^export AWS_SECRET_ACCESS_KEY='[^']*'$/m.test(stdout))
        resolve()
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      check()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      check()
    })
    child.once('exit', (code) => reject(new Error(`dsql-local exited with ${code}: ${stderr}`)))
  })
  const env = Object.fromEntries(
    [...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  )
  return { child, env, stderr: () => stderr }
}

/** A `pg` client as `admin` for the stand-in the command started. */
function adminClient(env: Record<string, string>): pg.Client {
  const signer = new DsqlSigner({
    hostname: env.CLUSTER_ENDPOINT ?? '',
    region: env.REGION ?? '',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  })
  return new pg.Client({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    user: 'admin',
    database: 'postgres',
    password: () => signer.getDbConnectAdminAuthToken(),
    ssl: {
      ca: readFileSync(env.DB_SSL_ROOT_CERT ?? '', 'utf8'),
      servername: env.CLUSTER_ENDPOINT,
    },
  })
}

async function stopCli(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  return code as number | null
}

afterEach(async () => {
  await Promise.all(children.splice(0).map(stopCli))
})

describe('the dsql-local command', () => {
  it('takes the SQL dialect options: --relax and --transaction-row-limit', async () => {
    const { child, env } = await startCli(['--relax', 'truncate', '--transaction-row-limit', '3'])
    const client = adminClient(env)
    await client.connect()
    try {
      await client.query('CREATE TABLE cli_t (id bigint PRIMARY KEY)')
      await client.query('INSERT INTO cli_t SELECT g FROM generate_series(1, 3) g')
      await client.query('TRUNCATE cli_t')
      await expect(
        client.query('INSERT INTO cli_t SELECT g FROM generate_series(1, 4) g'),
      ).rejects.toMatchObject({
        code: '54000',
      })
      await expect(client.query('CREATE INDEX ON cli_t (id)')).rejects.toMatchObject({
        code: '0A000',
      })
    } finally {
      await client.end()
    }
    expect(await stopCli(child)).toBe(0)
  })

  it('injects conflicts: --inject-conflicts at start, "inject <spec>" typed on stdin later', async () => {
    const { child, env, stderr } = await startCli(['--inject-conflicts', '1:OC001'], 'pipe')
    const client = adminClient(env)
    await client.connect()
    try {
      await client.query('BEGIN')
      await expect(client.query('COMMIT')).rejects.toMatchObject({
        code: '40001',
        message: 'schema has been updated by another transaction (OC001)',
      })
      await client.query('BEGIN')
      expect((await client.query('COMMIT')).command).toBe('COMMIT')

      child.stdin?.write('inject 2:role=admin\n')
      const deadline = Date.now() + 10_000
      while (!stderr().includes('the next COMMITs will fail') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      for (const expected of ['40001', '40001', undefined]) {
        await client.query('BEGIN')
        const failed = await client.query('COMMIT').then(
          () => undefined,
          (error: { code?: string }) => error.code,
        )
        expect(failed).toBe(expected)
      }
      child.stdin?.write('inject nonsense\n')
      while (!stderr().includes('conflict injection "nonsense"') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(stderr()).toMatch(/conflict injection "nonsense": it must start with a count/)
    } finally {
      await client.end()
    }
    expect(await stopCli(child)).toBe(0)
  })

  it('refuses an unknown rule id, a bad dialect and a bad injection, naming them, with exit code 2', async () => {
    for (const args of [
      ['--relax', 'truncat'],
      ['--sql-dialect', 'mysql'],
      ['--inject-conflicts', '2:OC009'],
    ]) {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      children.push(child)
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      const [code] = await once(child, 'exit')
      expect(code).toBe(2)
      expect(stderr).toMatch(
        {
          truncat: /unknown rule "truncat"/,
          mysql: /sqlDialect must be "dsql" or "postgres", got "mysql"/,
          '2:OC009': /conflict injection "2:OC009": cannot read "OC009"/,
        }[args[1] ?? ''] ?? /never/,
      )
    }
  })
})
