import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { captureLogger, signerFor } from './helpers.ts'

const run = promisify(execFile)

/** Whether a libpq client is on the PATH; CI installs Debian's postgresql-client and requires them. */
async function has(command: string): Promise<boolean> {
  try {
    await run(command, ['--version'])
    return true
  } catch {
    return false
  }
}
const present = (await has('psql')) && (await has('pgbench'))
const required = process.env.DSQL_LOCAL_REQUIRE_LIBPQ_CLIENTS === '1'
if (!present && required) throw new Error('psql and pgbench are required (postgresql-client)')

describe.runIf(present)('libpq clients (psql, pgbench) through the strict stand-in', () => {
  let cluster: DsqlLocalCluster
  let dir: string
  let env: NodeJS.ProcessEnv
  let conninfo: string

  beforeAll(async () => {
    cluster = await startDsqlLocal({ logger: captureLogger().logger })
    dir = await mkdtemp(path.join(tmpdir(), 'dsql-local-libpq-'))
    // libpq sends `host` as SNI and checks the certificate against it; hostaddr skips DNS.
    conninfo = `host=${cluster.endpoint} hostaddr=127.0.0.1 port=${cluster.port} user=admin dbname=postgres sslmode=verify-full sslrootcert=${cluster.caFile}`
    const token = await signerFor(cluster).getDbConnectAdminAuthToken()
    env = { PATH: process.env.PATH, PGPASSWORD: token, PGCONNECT_TIMEOUT: '10' }
  })
  afterAll(async () => {
    await cluster?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const psql = (...commands: string[]) =>
    run(
      'psql',
      [conninfo, '-X', '-At', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((c) => ['-c', c])],
      { env },
    )

  it('psql runs DSQL SQL, CREATE INDEX ASYNC included, and shows refusals with DSQL text', async () => {
    await psql('CREATE TABLE lq_t (id bigint PRIMARY KEY, balance int)')
    await psql('INSERT INTO lq_t SELECT g, 0 FROM generate_series(1, 20) g')
    const { stdout } = await psql('CREATE INDEX ASYNC ON lq_t (balance)')
    expect(stdout.trim()).toMatch(/^[a-z2-7]{26}$/)
    const failure = await psql('TRUNCATE lq_t').catch(
      (error: { stderr: string; code: number }) => error,
    )
    expect(failure).toMatchObject({ code: 1 })
    expect((failure as { stderr: string }).stderr).toContain(
      'ERROR:  unsupported statement: Truncate',
    )
    expect((await psql('SELECT count(*) FROM lq_t')).stdout.trim()).toBe('20')
  })

  it('pgbench runs a custom script in simple, extended and prepared mode with no failed transaction', async () => {
    const script = path.join(dir, 'update.sql')
    // Each client its own row: no two transactions write the same row.
    await writeFile(
      script,
      'UPDATE lq_t SET balance = balance + 1 WHERE id = :client_id + 1;\nSELECT balance FROM lq_t WHERE id = :client_id + 1;\n',
    )
    for (const mode of ['simple', 'extended', 'prepared']) {
      const { stdout } = await run(
        'pgbench',
        ['-n', '-f', script, '-c', '4', '-j', '2', '-t', '25', '-M', mode, conninfo],
        { env },
      )
      expect(stdout).toContain('number of transactions actually processed: 100/100')
    }
    expect((await psql('SELECT sum(balance) FROM lq_t')).stdout.trim()).toBe('300')
  })
})
