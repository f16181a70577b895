import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// `.ci/check-templates` takes each example out with `pnpm create-app`, starts a stand-in with
// `pnpm exec dsql-local` and runs the copy's tests against it. Its waiting and its proof that the
// tests used that stand-in are what is tested here; the copies, installs, checks and tests themselves
// are CI's to run, so `pnpm` is a stand-in script.
const script = path.join(import.meta.dirname, '..', '..', '..', '.ci', 'check-templates')

/**
 * Answers `pnpm exec dsql-local` with a fake stand-in (`FAKE_STAND_IN`: `exits` at once, or prints
 * the environment, logs `ready:` and runs until SIGINT); `pnpm create-app <driver> <dir>` makes the
 * directory, with a packages/dsql-local unless `--no-local`; `pnpm test` and `pnpm start` log a
 * session on the stand-in when `FAKE_SESSIONS=1` and the environment names a cluster, and fail like
 * the real-cluster setup without one in a copy without dsql-local (unless
 * `FAKE_PASS_WITHOUT_CLUSTER=1`). Every call is recorded.
 */
const fakePnpm = `#!/usr/bin/env bash
echo "$* CLUSTER_ENDPOINT=\${CLUSTER_ENDPOINT-}" >> "$FAKE_CALLS"
case "$1" in
  exec) exec "$FAKE_NODE" "$FAKE_STAND_IN_SCRIPT" ;;
  create-app)
    mkdir -p "$3"
    [ "\${4-}" = --no-local ] || mkdir -p "$3/packages/dsql-local" ;;
  test|start)
    if [ -z "\${CLUSTER_ENDPOINT-}" ] && [ ! -d packages/dsql-local ] && [ "$FAKE_PASS_WITHOUT_CLUSTER" != 1 ]; then
      echo 'Error: The tests need a cluster: set CLUSTER_ENDPOINT and AWS credentials' >&2
      exit 1
    fi
    if [ -n "\${CLUSTER_ENDPOINT-}" ] && [ "$FAKE_SESSIONS" = 1 ]; then
      echo 'dsql-local: session of "admin" (arn:aws:iam::000000000000:user/dsql-local) from 127.0.0.1:1' >> stand-in.log
    fi ;;
esac
`
const fakeStandIn = `if (process.env.FAKE_STAND_IN === 'exits') {
  process.stderr.write('dsql-local: INVALID_OPTIONS: region "moon" is not an AWS region\\n')
  process.exit(2)
}
const env = [
  ['CLUSTER_ENDPOINT', 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'],
  ['DB_PORT', '1'],
  ['DB_SSL_ROOT_CERT', '/nonexistent/ca.pem'],
]
for (const [name, value] of env) {
  process.stdout.write(\`export \${name}='\${value}'\\n\`)
}
process.stderr.write('dsql-local: ready: connect to 127.0.0.1:1; Ctrl-C stops\\n')
process.on('SIGINT', () => process.exit(0))
setInterval(() => {}, 1000)
`

describe.runIf(existsSync(script))('.ci/check-templates, with a stand-in pnpm', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dsql-local-check-templates-'))
    await writeFile(path.join(dir, 'pnpm'), fakePnpm)
    await chmod(path.join(dir, 'pnpm'), 0o755)
    await writeFile(path.join(dir, 'fake-stand-in.js'), fakeStandIn)
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  /** A run of the script; `testsPassWithoutCluster` breaks the tests of the copy without dsql-local. */
  const run = async (fake: {
    standIn: 'exits' | 'runs'
    sessions: boolean
    testsPassWithoutCluster?: boolean
  }) => {
    const { standIn, sessions } = fake
    const calls = path.join(dir, `calls-${standIn}-${sessions}-${!!fake.testsPassWithoutCluster}`)
    const env = {
      ...process.env,
      PATH: `${dir}${path.delimiter}${process.env.PATH}`,
      FAKE_CALLS: calls,
      FAKE_NODE: process.execPath,
      FAKE_STAND_IN_SCRIPT: path.join(dir, 'fake-stand-in.js'),
      FAKE_STAND_IN: standIn,
      FAKE_SESSIONS: sessions ? '1' : '0',
      FAKE_PASS_WITHOUT_CLUSTER: fake.testsPassWithoutCluster ? '1' : '0',
    }
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile('bash', [script], { env }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        )
      },
    )
    return { ...result, calls: readFileSync(calls, 'utf8').trim().split('\n') }
  }

  it('fails at once, with the stand-in’s log, when the stand-in exits before it is ready', async () => {
    const { code, stderr, calls } = await run({ standIn: 'exits', sessions: true })
    expect(code).toBe(1)
    expect(stderr).toContain(
      "templates: pg: the stand-in exited before it was ready; the stand-in's log:",
    )
    expect(stderr).toContain('dsql-local: INVALID_OPTIONS: region "moon" is not an AWS region')
    // No test ran after the stand-in was started: they would have started one of their own.
    expect(calls.slice(calls.findIndex((call) => call.startsWith('exec dsql-local')))).toEqual([
      'exec dsql-local --quiet CLUSTER_ENDPOINT=',
    ])
  }, 60_000)

  it('fails when the tests opened no session on the stand-in it started', async () => {
    const { code, stderr } = await run({ standIn: 'runs', sessions: false })
    expect(code).toBe(1)
    expect(stderr).toContain(
      'templates: pg: pnpm test opened no session on the cluster of the environment',
    )
  }, 60_000)

  it('fails when the tests of a copy without dsql-local pass without a cluster', async () => {
    const { code, stderr } = await run({
      standIn: 'runs',
      sessions: true,
      testsPassWithoutCluster: true,
    })
    expect(code).toBe(1)
    expect(stderr).toContain(
      'templates: pg --no-local: without a cluster, pnpm test did not fail saying what is missing:',
    )
  }, 60_000)

  it('passes when the tests and the program used the stand-in it started', async () => {
    const { code, stdout, calls } = await run({ standIn: 'runs', sessions: true })
    expect(code).toBe(0)
    for (const example of ['pg', 'postgres-js', 'kysely']) {
      expect(stdout).toContain(
        `templates: ${example}: 2 sessions on the cluster given by the environment`,
      )
    }
    expect(stdout).toContain(
      'templates: pg --no-local: 1 sessions on the cluster given by the environment',
    )
    // Each copy made as the READMEs say; the one without dsql-local also tested without a cluster.
    expect(calls.filter((call) => call.startsWith('create-app'))).toEqual([
      expect.stringMatching(/^create-app pg \/\S+\/pg CLUSTER_ENDPOINT=$/),
      expect.stringMatching(/^create-app postgres-js \/\S+\/postgres-js CLUSTER_ENDPOINT=$/),
      expect.stringMatching(/^create-app kysely \/\S+\/kysely CLUSTER_ENDPOINT=$/),
      expect.stringMatching(/^create-app pg \/\S+\/pg-no-local --no-local CLUSTER_ENDPOINT=$/),
    ])
    const endpoint = 'CLUSTER_ENDPOINT=abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'
    expect(calls.filter((call) => call.endsWith(endpoint))).toEqual([
      ...Array.from({ length: 3 }, () => [`test ${endpoint}`, `start ${endpoint}`]).flat(),
      `test ${endpoint}`,
    ])
    expect(calls.slice(-5)).toEqual([
      'lint CLUSTER_ENDPOINT=',
      'typecheck CLUSTER_ENDPOINT=',
      'test CLUSTER_ENDPOINT=',
      'exec dsql-local --quiet CLUSTER_ENDPOINT=',
      `test ${endpoint}`,
    ])
  }, 60_000)
})
