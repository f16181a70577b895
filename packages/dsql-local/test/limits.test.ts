import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { startupMessage } from '../src/wire/pg-messages.ts'
import { captureLogger, connectError, pgClient, signerFor } from './helpers.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const plaintextStartup = () =>
  startupMessage(
    new Map([
      ['user', 'admin'],
      ['database', 'postgres'],
    ]),
  )

describe('maximum connection duration and connection rate', () => {
  const { lines, logger } = captureLogger()
  let cluster: DsqlLocalCluster

  beforeAll(async () => {
    cluster = await startDsqlLocal({
      logger,
      maxConnectionDurationMs: 1500,
      connectionBurst: 3,
      connectionRatePerSecond: 1,
    })
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('closes a session older than the maximum duration without an ErrorResponse', async () => {
    const client = pgClient(cluster, {
      password: () => signerFor(cluster).getDbConnectAdminAuthToken(),
    })
    const errors: (Error & { code?: string })[] = []
    client.on('error', (error) => errors.push(error))
    const ended = new Promise((resolve) => client.once('end', resolve))
    const started = Date.now()
    await client.connect()
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await ended
    expect(Date.now() - started).toBeGreaterThanOrEqual(1490)
    // pg reports the closed connection itself; no SQLSTATE came from the server.
    expect(errors.map((error) => error.code)).toEqual(errors.map(() => undefined))
    await expect(client.query('SELECT 1')).rejects.toThrow()
    expect(lines.join('\n')).toMatch(/maximum duration reached/)
    await client.end().catch(() => {})
  })

  it('refuses connections above the rate with 53400', async () => {
    const signer = signerFor(cluster)
    // Six at once: a burst of three passes, and the bucket cannot refill in between, however slow
    // the machine is.
    const clients = Array.from({ length: 6 }, () =>
      pgClient(cluster, { password: () => signer.getDbConnectAdminAuthToken() }),
    )
    const results = await Promise.allSettled(clients.map((client) => client.connect()))
    const outcomes = results.map((result) => (result.status === 'fulfilled' ? 'ok' : '53400'))
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).toMatchObject({
          severity: 'FATAL',
          code: '53400',
          message: 'Unable to accept connection, rate exceeded.',
        })
      }
    }
    await Promise.all(clients.map((client) => client.end().catch(() => {})))
    expect(outcomes).toContain('ok')
    expect(outcomes).toContain('53400')
    expect(lines.join('\n')).toMatch(/connection rate above 1\/s \(burst 3\)/)
  })
})

describe('maximum connections and artificial latency', () => {
  let cluster: DsqlLocalCluster
  const latencyMs = 100

  beforeAll(async () => {
    cluster = await startDsqlLocal({ logger: captureLogger().logger, maxConnections: 2, latencyMs })
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('refuses a connection above the maximum with 53300', async () => {
    const signer = signerFor(cluster)
    const password = () => signer.getDbConnectAdminAuthToken()
    const open = [pgClient(cluster, { password }), pgClient(cluster, { password })]
    await Promise.all(open.map((client) => client.connect()))
    try {
      expect(await connectError(pgClient(cluster, { password }))).toMatchObject({
        severity: 'FATAL',
        code: '53300',
        message: 'Unable to accept connection, too many open connections.',
      })
    } finally {
      await Promise.all(open.map((client) => client.end()))
    }
  })

  it('survives clients that reset after a refusal that the latency delayed', async () => {
    // The delayed stream outlives the startup code's listeners: a reset then must not crash.
    const cancel = Buffer.alloc(16)
    cancel.writeInt32BE(16, 0)
    cancel.writeInt32BE(80877102, 4)
    for (const first of [plaintextStartup(), cancel]) {
      const socket = net.connect(cluster.port, cluster.host)
      socket.on('error', () => {})
      await new Promise((resolve) => socket.once('connect', resolve))
      socket.write(first)
      await sleep(latencyMs + 50)
      socket.resetAndDestroy()
    }
    await sleep(2 * latencyMs)
    const client = pgClient(cluster, {
      password: () => signerFor(cluster).getDbConnectAdminAuthToken(),
    })
    await client.connect()
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await client.end()
  })

  it('adds the latency to every round trip, and direct TLS saves one', async () => {
    const signer = signerFor(cluster)
    const timeConnect = async (sslnegotiation: 'direct' | 'postgres') => {
      const client = pgClient(cluster, {
        password: () => signer.getDbConnectAdminAuthToken(),
        sslnegotiation,
      })
      const started = performance.now()
      await client.connect()
      const connectMs = performance.now() - started
      const queryStarted = performance.now()
      await client.query('SELECT 1')
      const queryMs = performance.now() - queryStarted
      await client.end()
      return { connectMs, queryMs }
    }
    // The fastest of three tries each: a busy machine only ever adds time, so minimums compare
    // the round trips themselves rather than scheduling noise.
    const fastest = async (mode: 'direct' | 'postgres') => {
      const runs = [await timeConnect(mode), await timeConnect(mode), await timeConnect(mode)]
      return {
        connectMs: Math.min(...runs.map((r) => r.connectMs)),
        queryMs: Math.min(...runs.map((r) => r.queryMs)),
      }
    }
    const direct = await fastest('direct')
    const sslRequest = await fastest('postgres')
    expect(direct.queryMs).toBeGreaterThanOrEqual(latencyMs - 5)
    expect(direct.connectMs).toBeGreaterThanOrEqual(3 * latencyMs - 15)
    expect(sslRequest.connectMs - direct.connectMs).toBeGreaterThan(latencyMs / 2)
  })
})
