import { readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import tls from 'node:tls'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { cancelRequest } from '../src/wire/pg-messages.ts'
import { captureLogger, pgClient, signerFor, verifiedTls } from './helpers.ts'
import { RawConnection } from './raw-connection.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What `pg` keeps of BackendKeyData and its `cancel`; @types/pg declares neither. */
interface PgCancelInternals {
  readonly processID: number
  readonly secretKey: number
}

describe('the wire: framing, resets, half-closed sockets, cancel requests, stop', () => {
  const { lines, logger } = captureLogger()
  let cluster: DsqlLocalCluster
  const adminToken = () => signerFor(cluster).getDbConnectAdminAuthToken()
  const connectAdmin = async () => {
    const client = pgClient(cluster, { password: adminToken })
    await client.connect()
    return client
  }
  /** Backend sessions of `admin` other than the asking one, once the count has settled. */
  const otherAdminSessions = async () => {
    const client = await connectAdmin()
    try {
      let count = -1
      for (let i = 0; i < 30 && count !== 0; i++) {
        if (i > 0) await sleep(100)
        const { rows } = await client.query(
          `SELECT count(*)::int AS count FROM pg_stat_activity
           WHERE usename = 'admin' AND pid <> pg_backend_pid()`,
        )
        count = rows[0].count
      }
      return count
    } finally {
      await client.end()
    }
  }

  beforeAll(async () => {
    cluster = await startDsqlLocal({ logger })
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('reads startup, password and query messages split at every byte', async () => {
    for (const mode of ['direct', 'sslrequest'] as const) {
      const raw = await RawConnection.open(cluster, mode, { byteByByte: true })
      try {
        const answer = await raw.login('admin', await adminToken(), { byteByByte: true })
        expect(answer.map((message) => message.type)).toContain('K')
        expect(await raw.query('SELECT 41 + 1', { byteByByte: true })).toEqual(['42'])
        if (mode === 'direct') {
          // The AWS IAM GRANT rewrite needs the whole Query message, whatever the chunks.
          await raw.query('CREATE ROLE wire_app WITH LOGIN')
          await raw.query(`AWS IAM GRANT wire_app TO '${cluster.credentials.arn}'`, {
            byteByByte: true,
          })
          expect(
            await raw.query(
              `SELECT arn FROM sys.iam_pg_role_mappings WHERE pg_role_name = 'wire_app'`,
            ),
          ).toEqual([cluster.credentials.arn])
        }
        await raw.send(Buffer.from('X\0\0\0\x04', 'latin1'))
        await raw.closed()
      } finally {
        raw.socket.destroy()
      }
    }
    expect(await otherAdminSessions()).toBe(0)
  })

  it('survives clients that reset or vanish at any point of the startup, and leaks no session', async () => {
    const reset = (socket: net.Socket) => {
      socket.resetAndDestroy()
    }
    // A partial TLS ClientHello, then a reset.
    const tcp = net.connect(cluster.port, cluster.host)
    tcp.on('error', () => {})
    await new Promise((resolve) => tcp.once('connect', resolve))
    tcp.write(Buffer.from([0x16, 0x03, 0x01]))
    await sleep(20)
    reset(tcp)
    // A plaintext startup, its FATAL answer, then a reset.
    const plain = net.connect(cluster.port, cluster.host)
    plain.on('error', () => {})
    await new Promise((resolve) => plain.once('connect', resolve))
    plain.write(RawConnection.startup('admin'))
    await new Promise((resolve) => plain.once('data', resolve))
    reset(plain)
    // TLS up, half a startup packet.
    const half = await RawConnection.open(cluster, 'direct')
    await half.send(RawConnection.startup('admin').subarray(0, 11))
    half.socket.destroy()
    // Password requested, never sent.
    const asked = await RawConnection.open(cluster, 'sslrequest')
    await asked.send(RawConnection.startup('admin'))
    await asked.until('R')
    asked.reset()
    // Password sent, gone before the answer: the backend session is being opened meanwhile.
    for (let i = 0; i < 3; i++) {
      const gone = await RawConnection.open(cluster, 'direct')
      await gone.send(RawConnection.startup('admin'))
      await gone.until('R')
      await gone.send(RawConnection.password(await adminToken()))
      gone.socket.destroy()
    }
    // Authenticated, then gone without a Terminate.
    const vanished = await RawConnection.open(cluster, 'direct')
    await vanished.login('admin', await adminToken())
    vanished.reset()

    // Still serving, and none of these left a backend session behind.
    expect(await otherAdminSessions()).toBe(0)
    expect(lines.filter((line) => line.startsWith('error:'))).toEqual([])
  })

  it('ends the backend session when the client half-closes its side', async () => {
    const raw = await RawConnection.open(cluster, 'direct')
    await raw.login('admin', await adminToken())
    expect(await raw.query('SELECT 1')).toEqual(['1'])
    raw.socket.end()
    await raw.closed()
    expect(await otherAdminSessions()).toBe(0)
  })

  it('routes pg client.cancel to the right session: pg_sleep(10) ends with 57014 at once', async () => {
    const target = await connectAdmin()
    const bystander = await connectAdmin()
    try {
      const sleeping = new pg.Query('SELECT pg_sleep(10)')
      const outcome = new Promise<Error & { code?: string }>((resolve, reject) => {
        sleeping.on('error', resolve)
        sleeping.on('end', () => reject(new Error('pg_sleep(10) was not cancelled')))
      })
      target.query(sleeping)
      const other = bystander.query('SELECT pg_sleep(1.5) AS slept')
      await sleep(300)
      const started = Date.now()
      // pg's own cancel: a new connection that sends CancelRequest (not TLS, like libpq's default).
      const canceller = new pg.Client({ host: cluster.host, port: cluster.port, ssl: false })
      ;(canceller as unknown as { cancel(client: pg.Client, query: pg.Query): void }).cancel(
        target,
        sleeping,
      )
      expect(await outcome).toMatchObject({ code: '57014' })
      expect(Date.now() - started).toBeLessThan(3000)
      expect((await other).rows).toEqual([{ slept: '' }])
      expect((await target.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      await Promise.all([target.end(), bystander.end()])
    }
  })

  it('honours a cancel request sent over direct TLS', async () => {
    const client = await connectAdmin()
    try {
      const { processID, secretKey } = client as unknown as PgCancelInternals
      const sleeping = client.query('SELECT pg_sleep(10)')
      await sleep(300)
      const started = Date.now()
      const socket = tls.connect({
        host: cluster.host,
        port: cluster.port,
        ...verifiedTls(cluster),
        ALPNProtocols: ['postgresql'],
      })
      socket.on('error', () => {})
      socket.on('secureConnect', () => socket.end(cancelRequest(processID, secretKey)))
      await expect(sleeping).rejects.toMatchObject({ code: '57014' })
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      await client.end()
    }
  })

  it('ignores a cancel request with a wrong key, plain or over TLS', async () => {
    const client = await connectAdmin()
    try {
      const { processID, secretKey } = client as unknown as PgCancelInternals
      const ignoredBefore = lines.filter((line) => line.includes('ignored a cancel')).length
      const running = client.query('SELECT pg_sleep(1) AS slept')
      await sleep(200)
      const plain = net.connect(cluster.port, cluster.host, () =>
        plain.end(cancelRequest(processID, secretKey ^ 1)),
      )
      plain.on('error', () => {})
      const secure = tls.connect({
        host: cluster.host,
        port: cluster.port,
        ...verifiedTls(cluster),
        ALPNProtocols: ['postgresql'],
      })
      secure.on('error', () => {})
      secure.on('secureConnect', () => secure.end(cancelRequest(processID ^ 1, secretKey)))
      expect((await running).rows).toEqual([{ slept: '' }])
      expect(lines.filter((line) => line.includes('ignored a cancel')).length - ignoredBefore).toBe(
        2,
      )
    } finally {
      await client.end()
    }
  })

  it('serves a certificate for the endpoint, localhost, 127.0.0.1 and ::1, from the CA in caFile', async () => {
    expect(readFileSync(cluster.caFile, 'utf8')).toBe(cluster.caPem)
    const certificate = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect({
        host: cluster.host,
        port: cluster.port,
        ca: [readFileSync(cluster.caFile, 'utf8')],
        servername: 'localhost',
        rejectUnauthorized: true,
        ALPNProtocols: ['postgresql'],
      })
      socket.on('error', reject)
      socket.on('secureConnect', () => {
        resolve(socket.getPeerCertificate())
        socket.destroy()
      })
    })
    for (const name of [cluster.endpoint, 'localhost', '127.0.0.1', '::1']) {
      expect(tls.checkServerIdentity(name, certificate), name).toBeUndefined()
    }
    expect(tls.checkServerIdentity('other.example', certificate)).toBeInstanceOf(Error)
  })

  it('stop() ends sessions, running queries and half-done handshakes at once', async () => {
    const postmasterPid = Number(
      readFileSync(path.join(path.dirname(cluster.caFile), 'data', 'postmaster.pid'), 'utf8').split(
        '\n',
      )[0],
    )
    const client = await connectAdmin()
    const running = client.query('SELECT pg_sleep(30)')
    running.catch(() => {})
    const waiting = await RawConnection.open(cluster, 'direct')
    await waiting.send(RawConnection.startup('admin'))
    await waiting.until('R')
    const idle = net.connect(cluster.port, cluster.host)
    idle.on('error', () => {})
    await new Promise((resolve) => idle.once('connect', resolve))
    await sleep(100)

    const started = Date.now()
    await cluster.stop()
    expect(Date.now() - started).toBeLessThan(5000)
    await expect(running).rejects.toThrow()
    await waiting.closed()
    if (!idle.closed) await new Promise((resolve) => idle.once('close', resolve))
    expect(() => process.kill(postmasterPid, 0)).toThrow()
    await client.end().catch(() => {})
  })
})
