import { randomUUID } from 'node:crypto'
import { loadConfig, regionFromEndpoint, type TokenRefreshEvent, withRetry } from 'dsql-auth'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPool } from '../src/db.ts'
import {
  createHandler,
  type HandlerOptions,
  handler,
  type LambdaContext,
  type LambdaHandler,
  type LambdaResult,
} from '../src/lambda.ts'
import { createOwnerTable, deleteOwners } from '../src/owners.ts'

/** A context object as Lambda passes it, reduced to what the handler reads. */
function context(): LambdaContext {
  return { awsRequestId: randomUUID() }
}

/** An execution environment: a handler of its own, and the tokens its pool signed. */
function environment(options: HandlerOptions = {}): {
  invoke: (event: unknown) => Promise<LambdaResult>
  handler: LambdaHandler
  signings: TokenRefreshEvent[]
} {
  const signings: TokenRefreshEvent[] = []
  const own = createHandler({ ...options, onRefresh: (e) => signings.push(e) })
  return { invoke: (event) => own(event, context()), handler: own, signings }
}

/** The session an invocation of `{ action: 'status' }` ran on, and whether it made the pool. */
async function status(
  invoke: (event: unknown) => Promise<LambdaResult>,
): Promise<Extract<LambdaResult, { action: 'status' }>> {
  const result = await invoke({ action: 'status' })
  if (result.action !== 'status') throw new Error(`unexpected result ${result.action}`)
  return result
}

describe('the Lambda handler: one pool per execution environment', () => {
  it('cold start: making the handler signs nothing; the first invocation makes the pool', async () => {
    const env = environment()
    try {
      expect(env.signings).toHaveLength(0)
      const first = await status(env.invoke)
      expect(first.coldStart).toBe(true)
      expect(first.user).toBe(loadConfig().user)
      expect(env.signings.map((e) => e.reason)).toEqual(['first'])
    } finally {
      await env.handler.close()
    }
  })

  it('warm invocations reuse one connection (one session id) and the one token signed for it', async () => {
    const env = environment()
    try {
      const results = []
      for (let i = 0; i < 5; i++) results.push(await status(env.invoke))
      expect(results.map((r) => r.coldStart)).toEqual([true, false, false, false, false])
      expect(new Set(results.map((r) => r.sessionId)).size).toBe(1)
      expect(env.signings).toHaveLength(1)
    } finally {
      await env.handler.close()
    }
  })

  it('the exported handler reads its settings from process.env, as on Lambda', async () => {
    try {
      const first = await status((event) => handler(event, context()))
      const second = await status((event) => handler(event, context()))
      expect([first.coldStart, second.coldStart]).toEqual([true, false])
      expect(second.sessionId).toBe(first.sessionId)
    } finally {
      await handler.close()
    }
  })

  const endpointRegion = regionFromEndpoint(process.env.CLUSTER_ENDPOINT ?? '')
  it.skipIf(endpointRegion === undefined)(
    "signs for the endpoint's region while AWS_REGION, as Lambda sets it, names another",
    async () => {
      const functionRegion = endpointRegion === 'eu-west-1' ? 'us-west-2' : 'eu-west-1'
      const lambdaEnv = {
        ...process.env,
        REGION: '',
        AWS_REGION: functionRegion,
        AWS_DEFAULT_REGION: functionRegion,
      }
      expect(loadConfig(lambdaEnv).region).toBe(endpointRegion)
      // The cluster checks the region a token is signed for: a token for functionRegion is refused.
      const env = environment({ env: lambdaEnv })
      try {
        expect((await status(env.invoke)).coldStart).toBe(true)
      } finally {
        await env.handler.close()
      }
    },
  )
})

describe('the Lambda handler: actions and errors', () => {
  const added: string[] = []
  beforeAll(async () => {
    const pool = createPool()
    try {
      await withRetry(() => createOwnerTable(pool))
    } finally {
      await pool.end()
    }
  })
  afterAll(async () => {
    const pool = createPool()
    try {
      await deleteOwners(pool, added)
    } finally {
      await pool.end()
    }
  })

  it('add-owner stores a row that list-owners returns; the same id sent again inserts nothing', async () => {
    const env = environment()
    try {
      const id = randomUUID()
      added.push(id)
      const owner = { id, name: 'Lambda Ana', city: 'Lisbon', telephone: null }
      expect(await env.invoke({ action: 'add-owner', owner })).toEqual({
        action: 'add-owner',
        owner,
        inserted: true,
      })
      // As when Lambda retries an asynchronous invocation: the row is there once.
      const again = { ...owner, city: 'Porto' }
      expect(await env.invoke({ action: 'add-owner', owner: again })).toEqual({
        action: 'add-owner',
        owner,
        inserted: false,
      })
      const listed = await env.invoke({ action: 'list-owners', limit: 1000 })
      if (listed.action !== 'list-owners') throw new Error('expected list-owners')
      expect(listed.owners.filter((o) => o.id === id)).toEqual([owner])
    } finally {
      await env.handler.close()
    }
  })

  it('add-owner without an id gets a new UUID', async () => {
    const env = environment()
    try {
      const result = await env.invoke({
        action: 'add-owner',
        owner: { name: 'Lambda Bo', city: 'Oslo' },
      })
      if (result.action !== 'add-owner') throw new Error('expected add-owner')
      added.push(result.owner.id)
      expect(result.owner).toMatchObject({ name: 'Lambda Bo', city: 'Oslo', telephone: null })
      expect(result.owner.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(result.inserted).toBe(true)
    } finally {
      await env.handler.close()
    }
  })

  it.each([
    ['no action', {}],
    ['an unknown action', { action: 'drop-everything' }],
    ['a limit out of range', { action: 'list-owners', limit: 0 }],
    ['an owner without a city', { action: 'add-owner', owner: { name: 'X' } }],
    ['an id that is not a UUID', { action: 'add-owner', owner: { id: '1', name: 'X', city: 'Y' } }],
    ['not an object', 'status'],
  ])(
    'an event with %s fails as InvalidEventError, before any connection is made',
    async (_name, event) => {
      const env = environment()
      try {
        const failure = env.invoke(event)
        await expect(failure).rejects.toBeInstanceOf(Error)
        await expect(failure).rejects.toMatchObject({
          name: 'InvalidEventError',
          code: 'INVALID_EVENT',
        })
        expect(env.signings).toHaveLength(0)
      } finally {
        await env.handler.close()
      }
    },
  )

  it('a statement the server refuses fails as DatabaseRequestError with its SQLSTATE, logged with the request id; the next invocation reuses the connection', async () => {
    const env = environment()
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const before = await status(env.invoke)
      const failure = env.invoke({
        action: 'add-owner',
        owner: { name: 'a name longer than the thirty characters allowed', city: 'Lisbon' },
      })
      await expect(failure).rejects.toBeInstanceOf(Error)
      await expect(failure).rejects.toMatchObject({
        name: 'DatabaseRequestError',
        code: 'DATABASE_REQUEST_FAILED',
        sqlState: '22001',
        message: expect.stringContaining('add-owner failed'),
        cause: expect.objectContaining({ code: '22001' }),
      })
      expect(log).toHaveBeenCalledWith(
        expect.stringMatching(/^lambda: add-owner failed \(request [0-9a-f-]{36}\):$/),
        expect.objectContaining({ code: '22001' }),
      )
      const after = await status(env.invoke)
      expect(after.sessionId).toBe(before.sessionId)
      expect(env.signings).toHaveLength(1)
    } finally {
      log.mockRestore()
      await env.handler.close()
    }
  })

  it('a missing setting fails the invocation as DsqlConfigError, not the import; a later one may succeed', async () => {
    const env = environment({ env: { ...process.env, CLUSTER_ENDPOINT: '', DB_HOST: '' } })
    try {
      await expect(env.invoke({ action: 'status' })).rejects.toMatchObject({
        name: 'DsqlConfigError',
        message: expect.stringContaining('CLUSTER_ENDPOINT'),
      })
    } finally {
      await env.handler.close()
    }
  })
})

describe('the Lambda handler: concurrent invocations', () => {
  it('four environments invoked at once, three times each: four connections, each kept and signed for once', async () => {
    const envs = Array.from({ length: 4 }, () => environment())
    try {
      const rounds = []
      for (let round = 0; round < 3; round++) {
        // Lambda runs one invocation at a time per environment, and environments side by side.
        rounds.push(await Promise.all(envs.map((env) => status(env.invoke))))
      }
      for (const [i, env] of envs.entries()) {
        const sessions = rounds.map((results) => results[i]?.sessionId)
        expect(new Set(sessions).size).toBe(1)
        expect(rounds.map((results) => results[i]?.coldStart)).toEqual([true, false, false])
        expect(env.signings).toHaveLength(1)
      }
      expect(new Set(rounds[0]?.map((r) => r.sessionId)).size).toBe(4)
    } finally {
      await Promise.all(envs.map((env) => env.handler.close()))
    }
  })

  it('one environment handed five invocations at once (Lambda never does) queues them on its one connection', async () => {
    const env = environment()
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => status(env.invoke)))
      expect(new Set(results.map((r) => r.sessionId)).size).toBe(1)
      expect(env.signings).toHaveLength(1)
    } finally {
      await env.handler.close()
    }
  })
})
