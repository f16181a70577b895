import { randomInt, timingSafeEqual } from 'node:crypto'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import type { LocalPrincipal } from '../auth/local-principal.ts'
import { verifyDsqlToken } from '../auth/verify-dsql-token.ts'
import type { Backend } from '../backend/backend.ts'
import { openBackendSession } from '../backend/open-backend-session.ts'
import { hasIamGrant } from '../backend/setup-database.ts'
import { BackendSessionError } from '../errors.ts'
import type { DsqlLocalLogger } from '../logger.ts'
import { type Relay, relaySession } from '../relay/relay-session.ts'
import { StatementGate } from '../relay/statement-gate.ts'
import { MessageReader } from '../wire/message-reader.ts'
import {
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  cancelRequest,
  cancelRequestCode,
  type ErrorFields,
  errorResponse,
  gssEncRequestCode,
  negotiateProtocolVersion,
  parseStartupParams,
  sslRequestCode,
} from '../wire/pg-messages.ts'
import { delayIncoming } from './delay-incoming.ts'
import { TokenBucket } from './token-bucket.ts'

/** Everything the TLS front needs, resolved and validated. */
export interface TlsFrontConfig {
  readonly endpoint: string
  readonly region: string
  readonly principals: ReadonlyMap<string, LocalPrincipal>
  readonly clockSkewMs: number
  readonly certPem: string
  readonly keyPem: string
  readonly maxConnectionDurationMs: number
  readonly connectionRatePerSecond: number
  readonly connectionBurst: number
  readonly maxConnections: number
  readonly latencyMs: number
  readonly sqlDialect: 'dsql' | 'postgres'
  readonly relaxRules: ReadonlySet<string>
  readonly transactionAgeLimitMs: number
  readonly logger: DsqlLocalLogger
}

/** What DSQL answers to every refused authentication. */
const accessDenied: ErrorFields = {
  severity: 'FATAL',
  code: '28000',
  message: 'unable to accept connection, access denied',
}
/** Time allowed from TCP accept to the end of authentication, like `authentication_timeout`. */
const handshakeTimeoutMs = 30_000
/** Startup parameters the front sets itself or does not pass on. */
const reservedParams = new Set(['user', 'database', 'replication', 'default_transaction_isolation'])

interface CancelTarget {
  readonly secret: number
  readonly backendProcessId: number
  readonly backendSecret: number
}

/** A client's TLS stream and how it got there. */
interface SecureStream {
  readonly socket: tls.TLSSocket
  readonly mode: 'direct TLS' | 'SSLRequest'
}

/** A refusal: what the client reads and what the log says. */
class Refusal extends Error {
  override readonly name = 'Refusal'
  readonly fields: ErrorFields

  constructor(fields: ErrorFields, reason: string) {
    super(reason)
    this.fields = fields
  }
}

/**
 * The stand-in's front door: a TCP listener on 127.0.0.1 that negotiates TLS the way DSQL does
 * (direct TLS with ALPN `postgresql`, or SSLRequest; GSSENCRequest gets `N`; plaintext startup
 * gets a FATAL error), asks for a cleartext password, verifies it as a DSQL IAM token, enforces
 * DSQL's connection rules and then relays the session to the backend.
 */
export class TlsFront {
  readonly #config: TlsFrontConfig
  readonly #server: net.Server
  readonly #secureContext: tls.SecureContext
  readonly #bucket: TokenBucket
  readonly #sockets = new Set<net.Socket>()
  readonly #relays = new Set<Relay>()
  readonly #cancelTargets = new Map<number, CancelTarget>()
  #openSessions = 0
  #backend: Backend | undefined
  #closing = false

  constructor(config: TlsFrontConfig) {
    this.#config = config
    this.#secureContext = tls.createSecureContext({
      cert: config.certPem,
      key: config.keyPem,
      minVersion: 'TLSv1.2',
    })
    this.#bucket = new TokenBucket({
      ratePerSecond: config.connectionRatePerSecond,
      burst: config.connectionBurst,
    })
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket))
  }

  /** Listens on 127.0.0.1:`port` (0 picks a free port) and resolves to the port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        this.#server.off('error', reject)
        const address = this.#server.address()
        resolve(typeof address === 'object' && address !== null ? address.port : port)
      })
    })
  }

  /** Connects the front to its backend; until then clients are told the system is starting up. */
  attachBackend(backend: Backend): void {
    this.#backend = backend
  }

  /** Stops accepting, ends every session and waits for the listener to close. */
  async close(): Promise<void> {
    this.#closing = true
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const relay of this.#relays) relay.close()
    for (const socket of this.#sockets) socket.destroy()
    if (this.#server.listening) await closed
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => this.#sockets.delete(socket))
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    const timer = setTimeout(() => {
      this.#config.logger.warn(`closed ${peer}: no authentication within ${handshakeTimeoutMs} ms`)
      socket.destroy()
    }, handshakeTimeoutMs)
    socket.once('close', () => clearTimeout(timer))
    const stream =
      this.#config.latencyMs > 0 ? delayIncoming(socket, this.#config.latencyMs) : socket
    // A client may reset at any moment, also after the startup code stopped listening: never crash.
    if (stream !== socket) stream.on('error', () => {})
    this.#negotiate(stream, peer)
      .then(
        (secure) =>
          secure &&
          this.#startSession(secure.socket, `${peer} (${secure.mode})`, Date.now(), timer),
      )
      .catch((error: unknown) => {
        this.#config.logger.warn(`closed ${peer} during startup: ${describe(error)}`)
        socket.destroy()
      })
  }

  /** Pre-TLS phase: returns the TLS socket, or `undefined` when the connection was handled. */
  async #negotiate(stream: Duplex, peer: string): Promise<SecureStream | undefined> {
    const reader = new MessageReader(stream)
    const first = await reader.peek(1)
    if (first[0] === 0x16) return this.#upgrade(stream, reader.detach(), 'direct', peer)
    for (;;) {
      const packet = await reader.readStartupPacket()
      const code = packet.readInt32BE(0)
      if (code === sslRequestCode) {
        // Bytes after the SSLRequest would be read as if they came through TLS (CVE-2021-23214).
        if (reader.bufferedLength > 0) throw new Error('data after SSLRequest, before TLS')
        reader.detach()
        stream.write('S')
        return this.#upgrade(stream, Buffer.alloc(0), 'sslrequest', peer)
      }
      if (code === gssEncRequestCode) {
        stream.write('N')
      } else if (code === cancelRequestCode) {
        this.#cancel(packet, peer)
        reader.detach()
        stream.end()
        return undefined
      } else {
        this.#config.logger.warn(`refused ${peer}: plaintext startup, TLS is required`)
        reader.detach()
        stream.end(
          errorResponse({
            severity: 'FATAL',
            code: '28000',
            message: 'unable to accept connection, TLS required',
          }),
        )
        return undefined
      }
    }
  }

  async #upgrade(
    stream: Duplex,
    readAhead: Buffer,
    mode: 'direct' | 'sslrequest',
    peer: string,
  ): Promise<SecureStream | undefined> {
    if (readAhead.length > 0) stream.unshift(readAhead)
    const secure = new tls.TLSSocket(stream, {
      isServer: true,
      secureContext: this.#secureContext,
      // A client that offers ALPN must offer `postgresql` (PostgreSQL 17 does the same).
      ALPNCallback: ({ protocols }) =>
        protocols.includes('postgresql') ? 'postgresql' : undefined,
    })
    secure.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve)
      secure.once('error', reject)
      secure.once('close', () => reject(new Error('closed during the TLS handshake')))
    })
    if (mode === 'direct' && secure.alpnProtocol !== 'postgresql') {
      this.#config.logger.warn(`refused ${peer}: direct TLS without ALPN "postgresql"`)
      secure.destroy()
      return undefined
    }
    return { socket: secure, mode: mode === 'direct' ? 'direct TLS' : 'SSLRequest' }
  }

  async #startSession(
    client: tls.TLSSocket,
    peer: string,
    openedAtMs: number,
    handshakeTimer: NodeJS.Timeout,
  ): Promise<void> {
    const config = this.#config
    const reader = new MessageReader(client)
    let user = '?'
    let counted = false
    const release = () => {
      if (counted) this.#openSessions -= 1
      counted = false
    }
    try {
      const packet = await reader.readStartupPacket()
      const version = packet.readInt32BE(0)
      if (version === cancelRequestCode) {
        this.#cancel(packet, peer)
        client.end()
        return
      }
      if (version >> 16 !== 3) throw new Error(`unsupported protocol version ${version >> 16}`)
      const params = parseStartupParams(packet.subarray(4))
      user = params.get('user') ?? '?'

      if (!this.#bucket.take()) {
        throw new Refusal(
          {
            severity: 'FATAL',
            code: '53400',
            message: 'Unable to accept connection, rate exceeded.',
          },
          `connection rate above ${config.connectionRatePerSecond}/s (burst ${config.connectionBurst})`,
        )
      }
      if (this.#openSessions >= config.maxConnections) {
        throw new Refusal(
          {
            severity: 'FATAL',
            code: '53300',
            message: 'Unable to accept connection, too many connections.',
          },
          `already ${this.#openSessions} connections, the maximum is ${config.maxConnections}`,
        )
      }
      this.#openSessions += 1
      counted = true
      const backendServer = this.#backend
      if (backendServer === undefined) {
        throw new Refusal(
          { severity: 'FATAL', code: '57P03', message: 'the database system is starting up' },
          'the backend is not ready yet',
        )
      }

      if (!params.has('user')) throw new Refusal(accessDenied, 'no user in the startup packet')
      const database = params.get('database') || user
      if (database !== 'postgres') {
        throw new Refusal(
          { severity: 'FATAL', code: '3D000', message: `database "${database}" does not exist` },
          `database ${shown(database)} requested; DSQL has only "postgres"`,
        )
      }
      if ((params.get('replication') ?? 'false') !== 'false') {
        throw new Refusal(accessDenied, 'replication connections are not supported')
      }
      const unsupported = [...params.keys()].filter((name) => name.startsWith('_pq_.'))
      if ((version & 0xffff) !== 0 || unsupported.length > 0) {
        client.write(negotiateProtocolVersion(0, unsupported))
      }

      client.write(authenticationCleartextPassword())
      const message = await reader.readMessage(16_384)
      if (message.type !== 'p')
        throw new Error(`expected a password message, got "${message.type}"`)
      const token = message.body.toString('utf8', 0, Math.max(0, message.body.indexOf(0)))
      const verified = verifyDsqlToken(token, {
        endpoint: config.endpoint,
        region: config.region,
        principals: config.principals,
        nowMs: Date.now(),
        clockSkewMs: config.clockSkewMs,
      })
      if (!verified.ok) throw new Refusal(accessDenied, verified.reason)
      const { principal, action } = verified
      if (user === 'admin' && action !== 'DbConnectAdmin') {
        throw new Refusal(accessDenied, `user "admin" needs a DbConnectAdmin token, got ${action}`)
      }
      if (user !== 'admin' && action !== 'DbConnect') {
        throw new Refusal(
          accessDenied,
          `${action} tokens are for user "admin" only, not ${shown(user)}`,
        )
      }
      if (principal.allowedActions && !principal.allowedActions.includes(action)) {
        throw new Refusal(accessDenied, `${principal.arn} is not allowed dsql:${action}`)
      }
      if (user !== 'admin' && !(await hasIamGrant(backendServer.control, user, principal.arn))) {
        throw new Refusal(
          accessDenied,
          `no AWS IAM GRANT maps ${principal.arn} to role ${shown(user)}`,
        )
      }

      const forwarded = new Map(
        [...params].filter(([name]) => !reservedParams.has(name) && !name.startsWith('_pq_.')),
      )
      forwarded.set('default_transaction_isolation', 'repeatable read')
      const backend = await openBackendSession({
        target: backendServer.target,
        user,
        database: backendServer.database,
        params: forwarded,
        password: () => backendServer.passwordFor(user),
        timeoutMs: 10_000,
      }).catch((error: unknown) => {
        if (error instanceof BackendSessionError && !error.code.startsWith('28')) {
          throw new Refusal(
            { severity: 'FATAL', code: error.code, message: error.message },
            `backend: ${error.message}`,
          )
        }
        throw new Refusal(accessDenied, `backend refused role ${shown(user)}: ${describe(error)}`)
      })

      if (this.#closing || client.destroyed) {
        // Stopped or gone while the backend session was being opened: keep nothing open.
        backend.socket.destroy()
        throw new Error(this.#closing ? 'the stand-in is stopping' : 'the client left')
      }
      const processId = this.#newProcessId()
      const secret = randomInt(-0x80000000, 0x7fffffff)
      this.#cancelTargets.set(processId, {
        secret,
        backendProcessId: backend.processId,
        backendSecret: backend.secret,
      })
      clearTimeout(handshakeTimer)
      client.write(
        Buffer.concat([
          authenticationOk(),
          backend.startupMessages,
          backendKeyData(processId, secret),
          backend.readyForQuery,
        ]),
      )
      backend.socket.on('error', () => {})
      const relay = relaySession({
        client,
        clientLeftover: reader.detach(),
        backend: backend.socket,
        backendLeftover: backend.leftover,
        gate: new StatementGate({
          dialect: config.sqlDialect,
          relaxed: config.relaxRules,
          ageLimitMs: config.transactionAgeLimitMs,
          logger: config.logger,
          who: shown(user),
        }),
        deadlineMs: openedAtMs + config.maxConnectionDurationMs,
        deadlineError: errorResponse({
          severity: 'FATAL',
          code: '57P01',
          message: `connection closed: maximum connection duration of ${config.maxConnectionDurationMs / 1000} s reached`,
        }),
        onClose: (expired) => {
          if (expired) {
            config.logger.warn(
              `closed session of ${shown(user)} from ${peer}: maximum duration reached`,
            )
          }
          this.#relays.delete(relay)
          this.#cancelTargets.delete(processId)
          release()
        },
      })
      this.#relays.add(relay)
      config.logger.info(`session of ${shown(user)} (${principal.arn}) from ${peer}`)
    } catch (error) {
      release()
      reader.detach()
      if (error instanceof Refusal) {
        config.logger.warn(`refused ${peer} as ${shown(user)}: ${error.message}`)
        client.end(errorResponse(error.fields))
      } else {
        config.logger.warn(`closed ${peer} as ${shown(user)} during startup: ${describe(error)}`)
        client.destroy()
      }
    }
  }

  #cancel(packet: Buffer, peer: string): void {
    if (packet.length !== 12) return
    const target = this.#cancelTargets.get(packet.readInt32BE(4))
    const secret = Buffer.alloc(4)
    secret.writeInt32BE(target?.secret ?? 0, 0)
    if (target === undefined || !timingSafeEqual(secret, packet.subarray(8, 12))) {
      this.#config.logger.warn(`ignored a cancel request from ${peer}: unknown key`)
      return
    }
    const backend = this.#backend
    if (backend === undefined) return
    const socket = net.connect(backend.target, () => {
      socket.end(cancelRequest(target.backendProcessId, target.backendSecret))
    })
    socket.on('error', (error) =>
      this.#config.logger.error(`cancel request failed: ${describe(error)}`),
    )
  }

  #newProcessId(): number {
    for (;;) {
      const id = randomInt(1, 0x7fffffff)
      if (!this.#cancelTargets.has(id)) return id
    }
  }
}

/** A client-chosen name as the log shows it: quoted and escaped, so it cannot forge a log line. */
function shown(value: string): string {
  return JSON.stringify(value)
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
