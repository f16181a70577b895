import net from 'node:net'
import tls from 'node:tls'
import type { LocalPrincipal } from '../auth/local-principal.ts'
import type { Backend } from '../backend/backend.ts'
import type { DsqlLocalLogger } from '../logger.ts'
import type { ConflictInjections } from '../occ/conflict-injections.ts'
import { LockReferee } from '../occ/lock-referee.ts'
import { type SessionContender, sessionContender } from '../occ/session-contender.ts'
import { type Relay, relaySession } from '../relay/relay-session.ts'
import { StatementGate } from '../relay/statement-gate.ts'
import { MessageReader } from '../wire/message-reader.ts'
import {
  authenticationOk,
  backendKeyData,
  cancelRequestCode,
  errorResponse,
  parseStartupParams,
} from '../wire/pg-messages.ts'
import { admitSession } from './admit-session.ts'
import { CancelTargets } from './cancel-targets.ts'
import { ConnectionLimits } from './connection-limits.ts'
import { delayIncoming } from './delay-incoming.ts'
import { describeError, shown } from './log-text.ts'
import { negotiateTls } from './negotiate-tls.ts'
import { Refusal } from './refusal.ts'

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
  /** The key the relay passes to the stand-in's own functions in `sys` (see `backend/internal-key-sql.ts`). */
  readonly internalKey: string
  /** Largest protocol message a client may send in a session; a larger one closes it. */
  readonly maxMessageBytes: number
  /** Conflicts to inject into COMMITs. */
  readonly injections: ConflictInjections
  readonly logger: DsqlLocalLogger
}

/** Time allowed from TCP accept to the end of authentication, like `authentication_timeout`. */
const handshakeTimeoutMs = 30_000

/**
 * The stand-in's front door: a TCP listener on 127.0.0.1 that negotiates TLS the way DSQL does
 * (see {@link negotiateTls}), admits a client by its IAM token and DSQL's connection rules (see
 * {@link admitSession}), then relays the session to its own backend session, with cancel keys of
 * its own (see {@link CancelTargets}).
 *
 * @example
 * ```ts
 * const front = new TlsFront({ ...resolvedOptions, principals, certPem, keyPem })
 * const port = await front.listen(0)
 * front.attachBackend(backend)
 * // ...
 * await front.close()
 * ```
 */
export class TlsFront {
  readonly #config: TlsFrontConfig
  readonly #server: net.Server
  readonly #secureContext: tls.SecureContext
  readonly #limits: ConnectionLimits
  readonly #cancelTargets: CancelTargets
  readonly #sockets = new Set<net.Socket>()
  readonly #relays = new Set<Relay>()
  #backend: Backend | undefined
  /** Ends lock waits between sessions (DSQL dialect only). */
  #referee: LockReferee | undefined
  #closing = false

  constructor(config: TlsFrontConfig) {
    this.#config = config
    this.#secureContext = tls.createSecureContext({
      cert: config.certPem,
      key: config.keyPem,
      minVersion: 'TLSv1.2',
    })
    this.#limits = new ConnectionLimits({
      ratePerSecond: config.connectionRatePerSecond,
      burst: config.connectionBurst,
      maxConnections: config.maxConnections,
    })
    this.#cancelTargets = new CancelTargets(config.logger)
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
    if (this.#config.sqlDialect === 'dsql') {
      this.#referee = new LockReferee(
        (sql, params) => backend.control.query(sql, [...params]),
        this.#config.logger,
      )
    }
  }

  /** Stops accepting, ends every session and waits for the listener to close. */
  async close(): Promise<void> {
    this.#closing = true
    this.#referee?.close()
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const relay of this.#relays) relay.close()
    for (const socket of this.#sockets) socket.destroy()
    if (this.#server.listening) await closed
  }

  #accept(socket: net.Socket): void {
    const { logger, latencyMs } = this.#config
    this.#sockets.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => this.#sockets.delete(socket))
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    const timer = setTimeout(() => {
      logger.warn(`closed ${peer}: no authentication within ${handshakeTimeoutMs} ms`)
      socket.destroy()
    }, handshakeTimeoutMs)
    socket.once('close', () => clearTimeout(timer))
    const stream = latencyMs > 0 ? delayIncoming(socket, latencyMs) : socket
    // A client may reset at any moment, also after the startup code stopped listening: never crash.
    if (stream !== socket) stream.on('error', () => {})
    negotiateTls(stream, {
      secureContext: this.#secureContext,
      peer,
      logger,
      onCancel: (packet) => this.#cancelTargets.cancel(packet, peer, this.#backend?.target),
    })
      .then(
        (secure) =>
          secure &&
          this.#startSession(secure.socket, `${peer} (${secure.mode})`, Date.now(), timer),
      )
      .catch((error: unknown) => {
        logger.warn(`closed ${peer} during startup: ${describeError(error)}`)
        socket.destroy()
      })
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
    let release = () => {}
    try {
      const packet = await reader.readStartupPacket()
      const version = packet.readInt32BE(0)
      if (version === cancelRequestCode) {
        if (client.servername) this.#cancelTargets.cancel(packet, peer, this.#backend?.target)
        else config.logger.warn(`ignored a cancel request from ${peer}: no SNI`)
        client.end()
        return
      }
      if (version >> 16 !== 3) throw new Error(`unsupported protocol version ${version >> 16}`)
      const params = parseStartupParams(packet.subarray(4))
      user = params.get('user') ?? '?'
      const admission = await admitSession(
        { client, reader, version, params },
        { ...config, limits: this.#limits, backend: this.#backend },
      )
      const { backend, principal } = admission
      release = () => admission.slot.release()
      if (this.#closing || client.destroyed) {
        // Stopped or gone while the backend session was being opened: keep nothing open.
        backend.socket.destroy()
        throw new Error(this.#closing ? 'the stand-in is stopping' : 'the client left')
      }
      const key = this.#cancelTargets.register(backend.processId, backend.secret)
      clearTimeout(handshakeTimer)
      client.write(
        Buffer.concat([
          authenticationOk(),
          backend.startupMessages,
          backendKeyData(key.processId, key.secret),
          backend.readyForQuery,
        ]),
      )
      backend.socket.on('error', () => {})
      let contender: SessionContender | undefined
      const gate = new StatementGate({
        dialect: config.sqlDialect,
        relaxed: config.relaxRules,
        ageLimitMs: config.transactionAgeLimitMs,
        internalKey: config.internalKey,
        logger: config.logger,
        who: shown(user),
        role: user,
        sessionId: admission.sessionId,
        injections: config.injections,
        onBusyChange: (busy) => contender?.busyChanged(busy),
      })
      const referee = this.#referee
      const control = this.#backend?.control
      if (referee && control) {
        contender = sessionContender({
          gate,
          backendPid: backend.processId,
          referee,
          // Called only later, by the referee: the relay exists by then.
          toBackend: (bytes) => relay.toBackend(bytes),
          // Through the control connection: when it returns, the backend has the signal, so the
          // client's next message (held until then) cannot be the statement it cancels.
          cancel: () =>
            relay.holdClientUntil(
              control
                .query('SELECT pg_catalog.pg_cancel_backend($1)', [backend.processId])
                .catch((error: unknown) =>
                  config.logger.error(`could not cancel a statement: ${describeError(error)}`),
                ),
            ),
        })
        referee.add(contender)
      }
      const relay = relaySession({
        client,
        clientLeftover: reader.detach(),
        backend: backend.socket,
        backendLeftover: backend.leftover,
        gate,
        deadlineMs: openedAtMs + config.maxConnectionDurationMs,
        maxMessageBytes: config.maxMessageBytes,
        onClose: (reason) => {
          if (reason !== undefined) {
            config.logger.warn(`closed session of ${shown(user)} from ${peer}: ${reason}`)
          }
          this.#relays.delete(relay)
          this.#cancelTargets.delete(key.processId)
          if (contender) this.#referee?.remove(contender)
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
        config.logger.warn(
          `closed ${peer} as ${shown(user)} during startup: ${describeError(error)}`,
        )
        client.destroy()
      }
    }
  }
}
