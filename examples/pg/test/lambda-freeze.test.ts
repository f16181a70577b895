import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { withRetry } from 'dsql-auth'
import type { DsqlLocalCluster } from 'dsql-local'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPool } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import type { LambdaResult } from '../src/lambda.ts'
import { clusterConfig, sleep, waitFor } from './cluster-config.ts'

/**
 * A Lambda execution environment: a Node.js process that imports `src/lambda.ts` and runs its
 * handler for each invocation the test sends over IPC, as Lambda's runtime does with the events it
 * fetches. Lambda freezes an environment between invocations; the test does the same with SIGSTOP
 * and SIGCONT, so the process's timers and sockets really stand still while real time passes.
 *
 * With TEST_CREDENTIAL_ROTATION set, the handler gets a credentials provider like an STS-backed
 * one: it hands out the current keys until they expire, TEST_CREDENTIAL_TTL_MS after they were
 * issued, and then the next keys of the list. Without it, the SDK's default chain reads the
 * environment, as on Lambda.
 */
const ENVIRONMENT_PROCESS = `
const { createHandler } = await import(process.env.LAMBDA_MODULE)
const send = (message) => process.send(message)
const rotation = JSON.parse(process.env.TEST_CREDENTIAL_ROTATION ?? '[]')
const ttlMs = Number(process.env.TEST_CREDENTIAL_TTL_MS ?? '0')
let handedOut = 0
let current
const credentials = async () => {
  if (current === undefined || current.expiration.getTime() <= Date.now()) {
    const next = rotation[Math.min(handedOut++, rotation.length - 1)]
    current = { ...next, expiration: new Date(Date.now() + ttlMs) }
    send({ type: 'credentials', accessKeyId: next.accessKeyId, expiresAt: current.expiration.getTime() })
  }
  return current
}
const handler = createHandler({
  ...(rotation.length > 0 ? { credentials } : {}),
  onRefresh: (e) => send({ type: 'refresh', reason: e.reason, expiresAt: e.expiresAt.getTime() }),
  onStaleConnection: (error) => send({ type: 'stale', message: String(error?.message) }),
})
process.on('message', async (message) => {
  if (message.type === 'close') {
    await handler.close()
    process.disconnect()
    return
  }
  try {
    send({ type: 'reply', id: message.id, result: await handler(message.event, { awsRequestId: message.id }) })
  } catch (error) {
    send({ type: 'reply', id: message.id, error: { name: error.name, message: error.message } })
  }
})
send({ type: 'ready' })
`

/** What an invocation answered: a result, or the error Lambda would report. */
interface Reply {
  readonly result?: Extract<LambdaResult, { action: 'status' }>
  readonly error?: { readonly name: string; readonly message: string }
}

/** What the environment process sends back. */
type EnvironmentMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'refresh'; readonly reason: string; readonly expiresAt: number }
  | { readonly type: 'credentials'; readonly accessKeyId: string; readonly expiresAt: number }
  | { readonly type: 'stale'; readonly message: string }
  | ({ readonly type: 'reply'; readonly id: string } & Reply)

/** One running environment and what its handler reported. */
interface ExecutionEnvironment {
  invoke(): Promise<Reply>
  freeze(): Promise<void>
  thaw(): void
  stop(): Promise<void>
  /** Each token signing: why, and until when the token may open connections. */
  readonly refreshes: { reason: string; expiresAt: number }[]
  /** The credentials issued, in order: access key id and expiry. */
  readonly credentials: { accessKeyId: string; expiresAt: number }[]
  /** Connections kept from an earlier invocation that were found closed. */
  readonly stale: string[]
  /** What the process wrote to stderr (the function's log). */
  stderr(): string
}

async function startEnvironment(env: Record<string, string>): Promise<ExecutionEnvironment> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--input-type=module', '--eval', ENVIRONMENT_PROCESS],
    { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const refreshes: { reason: string; expiresAt: number }[] = []
  const credentials: { accessKeyId: string; expiresAt: number }[] = []
  const stale: string[] = []
  const replies = new Map<string, (reply: Reply) => void>()
  let ready: () => void = () => {}
  const started = new Promise<void>((resolve) => {
    ready = resolve
  })
  child.on('message', (raw) => {
    const message = raw as EnvironmentMessage
    if (message.type === 'ready') ready()
    if (message.type === 'refresh') refreshes.push(message)
    if (message.type === 'credentials') credentials.push(message)
    if (message.type === 'stale') stale.push(message.message)
    if (message.type === 'reply') replies.get(message.id)?.(message)
  })
  const exited = once(child, 'exit')
  await Promise.race([
    started,
    exited.then(() => {
      throw new Error(`the environment process exited at start: ${stderr}`)
    }),
  ])
  return {
    invoke: () => {
      const id = randomUUID()
      const reply = new Promise<Reply>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no reply within 15 s; the function's log:\n${stderr}`)),
          15_000,
        )
        replies.set(id, (answer) => {
          clearTimeout(timer)
          resolve(answer)
        })
      })
      child.send({ id, event: { action: 'status' } })
      return reply
    },
    freeze: async () => {
      child.kill('SIGSTOP')
      // Linux shows a stopped process as state T in /proc; elsewhere, give the signal a moment.
      const stopped = () => {
        try {
          return readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T')
        } catch {
          return undefined
        }
      }
      if (stopped() === undefined) await sleep(100)
      else expect(await waitFor(() => stopped() === true)).toBe(true)
    },
    thaw: () => {
      child.kill('SIGCONT')
    },
    stop: async () => {
      child.kill('SIGCONT')
      if (child.connected) child.send({ type: 'close' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
    refreshes,
    credentials,
    stale,
    stderr: () => stderr,
  }
}

/** Temporary credentials of one IAM role session, and the ARN the stand-in maps to a role. */
interface RoleSession {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string
  readonly arn: string
}

/** A role session of its own for each use: the stand-in's credential store holds them all. */
function roleSession(name: string): RoleSession {
  return {
    accessKeyId: `ASIA${name.toUpperCase()}`.padEnd(20, '0'),
    secretAccessKey: `secret-${randomUUID()}`,
    sessionToken: `session-token-${randomUUID()}`,
    arn: `arn:aws:iam::111122223333:role/dsql-lambda-${name}`,
  }
}

const ROLE = 'lambda_app'
const FROM_ENVIRONMENT = roleSession('env')
const FROZEN_WAITING = [roleSession('wa'), roleSession('wb')] as const
const FROZEN_IDLE = [roleSession('ia'), roleSession('ib')] as const
/** Lambda's AWS_REGION: where the function runs, not where the cluster is. */
const FUNCTION_REGION = 'eu-west-1'

describe('a Lambda execution environment in a process of its own, frozen and thawed', () => {
  let cluster: DsqlLocalCluster | undefined
  /** The stand-in's log: sessions opened (with the ARN that signed) and closed. */
  const log: string[] = []
  beforeAll(async () => {
    if (!inject('local')) return
    const { startDsqlLocal } = await import('dsql-local')
    cluster = await startDsqlLocal({
      // The connection's lifetime, short enough to pass while the environment is frozen.
      maxConnectionDurationMs: 2_000,
      credentials: [
        {
          accessKeyId: 'AKIAADMIN00000000000',
          secretAccessKey: `secret-${randomUUID()}`,
          arn: 'arn:aws:iam::111122223333:user/dsql-admin',
        },
        FROM_ENVIRONMENT,
        ...FROZEN_WAITING,
        ...FROZEN_IDLE,
      ],
      logger: {
        info: (line) => log.push(line),
        warn: (line) => log.push(line),
        error: (line) => console.error(`dsql-local: ${line}`),
      },
    })
    await asAdmin(async (pool) => {
      for (const { arn } of [FROM_ENVIRONMENT, ...FROZEN_WAITING, ...FROZEN_IDLE]) {
        await grantNonAdmin(pool, ROLE, arn)
      }
    })
  })
  afterAll(() => cluster?.stop())

  function standIn(): DsqlLocalCluster {
    if (cluster === undefined) throw new Error('the stand-in did not start')
    return cluster
  }

  async function asAdmin(work: (pool: ReturnType<typeof createPool>) => Promise<void>) {
    const { env, credentials } = standIn()
    const pool = createPool(clusterConfig(env), { credentials })
    try {
      await work(pool)
    } finally {
      await pool.end()
    }
  }

  /** What Lambda gives a function: its settings, its region, its role's session credentials. */
  function lambdaEnvironment(extra: Record<string, string>): Record<string, string> {
    const { env } = standIn()
    return {
      LAMBDA_MODULE: pathToFileURL(join(import.meta.dirname, '..', 'src', 'lambda.ts')).href,
      AWS_LAMBDA_FUNCTION_NAME: 'dsql-example-pg',
      AWS_REGION: FUNCTION_REGION,
      AWS_DEFAULT_REGION: FUNCTION_REGION,
      CLUSTER_ENDPOINT: env.CLUSTER_ENDPOINT ?? '',
      DB_HOST: env.DB_HOST ?? '',
      DB_PORT: env.DB_PORT ?? '',
      DB_SSL_ROOT_CERT: env.DB_SSL_ROOT_CERT ?? '',
      DB_USER: ROLE,
      ...extra,
    }
  }

  /** The stand-in's log lines from `from` on that match `pattern`. */
  function logged(from: number, pattern: RegExp): string[] {
    return log.slice(from).filter((line) => pattern.test(line))
  }

  /** Temporary credentials expire when their time is up; the stand-in has no STS, so the test
   *  ends them itself by unmapping their role session's ARN. A token they signed is then refused. */
  async function expire(session: RoleSession): Promise<void> {
    await asAdmin(async (pool) => {
      await withRetry(() => pool.query(`aws iam revoke ${ROLE} from '${session.arn}'`))
    })
    const { env } = standIn()
    const pool = createPool(clusterConfig({ ...env, DB_USER: ROLE }), {
      credentials: session,
      max: 1,
    })
    try {
      await expect(pool.query('select 1')).rejects.toMatchObject({ code: '08006' })
    } finally {
      await pool.end()
    }
  }

  it.skipIf(!inject('local'))(
    "reads the role's session credentials (AWS_SESSION_TOKEN) through the SDK's default chain and signs for the endpoint's region, not AWS_REGION: one session, one token for cold and warm invocations",
    async () => {
      const from = log.length
      const env = await startEnvironment(
        lambdaEnvironment({
          AWS_ACCESS_KEY_ID: FROM_ENVIRONMENT.accessKeyId,
          AWS_SECRET_ACCESS_KEY: FROM_ENVIRONMENT.secretAccessKey,
          AWS_SESSION_TOKEN: FROM_ENVIRONMENT.sessionToken,
        }),
      )
      try {
        const replies = [await env.invoke(), await env.invoke(), await env.invoke()]
        expect(replies.map((r) => r.error)).toEqual([undefined, undefined, undefined])
        expect(replies.map((r) => r.result?.coldStart)).toEqual([true, false, false])
        expect(new Set(replies.map((r) => r.result?.sessionId)).size).toBe(1)
        expect(env.refreshes.map((r) => r.reason)).toEqual(['first'])
        // The stand-in accepts this principal's tokens only with its session token.
        expect(logged(from, /^session of "lambda_app"/)).toEqual([
          expect.stringContaining(`(${FROM_ENVIRONMENT.arn})`),
        ])
      } finally {
        await env.stop()
      }
    },
  )

  /**
   * While `env` is frozen, real time passes until the stand-in has closed its connection (at 2 s)
   * and the credentials that signed its token have expired (at 3 s, then refused by the stand-in).
   */
  async function passTheEnds(env: ExecutionEnvironment, from: number, session: RoleSession) {
    const [issued] = env.credentials
    const [token] = env.refreshes
    expect(token?.reason).toBe('first')
    // The token's end as dsql-auth reports it: no later than its credentials'.
    expect(token?.expiresAt).toBeLessThanOrEqual(issued?.expiresAt ?? 0)
    const closed = () => logged(from, /"lambda_app".*maximum duration reached/).length > 0
    expect(await waitFor(closed)).toBe(true)
    await sleep(Math.max(0, (issued?.expiresAt ?? 0) - Date.now()) + 100)
    await expire(session)
  }

  it.skipIf(!inject('local'))(
    "frozen with an invocation waiting, past its connection's lifetime (2 s) and its credentials' and token's end (3 s): on thaw the kept connection is found closed, and the invocation answers on a new one, signed with rotated credentials",
    async () => {
      const [before, after] = FROZEN_WAITING
      const from = log.length
      const env = await startEnvironment(
        lambdaEnvironment({
          TEST_CREDENTIAL_ROTATION: JSON.stringify([before, after]),
          TEST_CREDENTIAL_TTL_MS: '3000',
        }),
      )
      try {
        const cold = await env.invoke()
        const warm = await env.invoke()
        expect(warm.result?.sessionId).toBe(cold.result?.sessionId)

        await env.freeze()
        // Lambda thaws an environment to hand it an invocation: it is there when the process runs.
        const waiting = env.invoke()
        await passTheEnds(env, from, before)
        env.thaw()

        const thawed = await waiting
        expect(thawed.error, env.stderr()).toBeUndefined()
        expect(thawed.result?.sessionId).not.toBe(cold.result?.sessionId)
        expect(env.stale).toEqual(['Connection terminated unexpectedly'])
        expect(env.refreshes.map((r) => r.reason)).toEqual(['first', 'credentials'])
        expect(env.credentials.map((c) => c.accessKeyId)).toEqual([
          before.accessKeyId,
          after.accessKeyId,
        ])
        expect(logged(from, /^session of "lambda_app"/)).toEqual([
          expect.stringContaining(`(${before.arn})`),
          expect.stringContaining(`(${after.arn})`),
        ])
      } finally {
        await env.stop()
      }
    },
  )

  it.skipIf(!inject('local'))(
    "frozen idle past its connection's lifetime and its credentials' and token's end, invoked after thaw: the pool has dropped the closed connection, and a new one opens with rotated credentials, no retry needed",
    async () => {
      const [before, after] = FROZEN_IDLE
      const from = log.length
      const env = await startEnvironment(
        lambdaEnvironment({
          TEST_CREDENTIAL_ROTATION: JSON.stringify([before, after]),
          TEST_CREDENTIAL_TTL_MS: '3000',
        }),
      )
      try {
        const cold = await env.invoke()
        await env.freeze()
        await passTheEnds(env, from, before)
        env.thaw()
        // The thawed process reads the server's close of its idle connection (db.ts logs it).
        expect(await waitFor(() => env.stderr().includes('idle connection failed'))).toBe(true)

        const thawed = await env.invoke()
        expect(thawed.error, env.stderr()).toBeUndefined()
        expect(thawed.result?.sessionId).not.toBe(cold.result?.sessionId)
        expect(thawed.result?.coldStart).toBe(false)
        expect(env.stale).toEqual([])
        expect(env.refreshes.map((r) => r.reason)).toEqual(['first', 'credentials'])
        expect(logged(from, /^session of "lambda_app"/)).toEqual([
          expect.stringContaining(`(${before.arn})`),
          expect.stringContaining(`(${after.arn})`),
        ])
      } finally {
        await env.stop()
      }
    },
  )
})
