import net from 'node:net'
import tls from 'node:tls'
import type { DsqlLocalCluster } from '../src/index.ts'
import { MessageReader, type TypedMessage } from '../src/wire/message-reader.ts'
import { cstring, startupMessage, typedMessage } from '../src/wire/pg-messages.ts'

/**
 * A PostgreSQL connection driven byte by byte, for tests that need what drivers do not offer:
 * messages split at every byte, a reset in the middle of the startup, a raw cancel request.
 * TLS is verified in full, like the drivers do.
 *
 * @example
 * ```ts
 * const raw = await RawConnection.open(cluster, 'direct')
 * await raw.send(raw.startup('admin'), { byteByByte: true })
 * ```
 */
export class RawConnection {
  readonly socket: tls.TLSSocket
  /** The TCP connection under TLS. */
  readonly tcp: net.Socket
  readonly #reader: MessageReader

  private constructor(socket: tls.TLSSocket, tcp: net.Socket) {
    this.socket = socket
    this.tcp = tcp
    this.#reader = new MessageReader(socket)
  }

  /**
   * Opens a TCP connection and negotiates TLS: `direct` (ALPN `postgresql`) or `sslrequest`
   * (whose 8 bytes are sent one at a time with `byteByByte`).
   */
  static async open(
    cluster: DsqlLocalCluster,
    mode: 'direct' | 'sslrequest',
    options: { byteByByte?: boolean } = {},
  ): Promise<RawConnection> {
    const tcp = net.connect({ host: cluster.host, port: cluster.port, noDelay: true })
    tcp.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      tcp.once('connect', resolve)
      tcp.once('error', reject)
    })
    if (mode === 'sslrequest') {
      const request = Buffer.alloc(8)
      request.writeInt32BE(8, 0)
      request.writeInt32BE(80877103, 4)
      await writeAll(tcp, request, options.byteByByte ?? false)
      const answer = await new Promise<Buffer>((resolve) => tcp.once('data', resolve))
      if (answer.toString('latin1') !== 'S') throw new Error(`SSLRequest answered ${answer}`)
    }
    const socket = tls.connect({
      socket: tcp,
      ca: [cluster.caPem],
      servername: cluster.endpoint,
      rejectUnauthorized: true,
      ...(mode === 'direct' ? { ALPNProtocols: ['postgresql'] } : {}),
    })
    socket.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve)
      socket.once('error', reject)
    })
    return new RawConnection(socket, tcp)
  }

  /** A StartupMessage for `user` and database `postgres`. */
  static startup(user: string): Buffer {
    return startupMessage(
      new Map([
        ['user', user],
        ['database', 'postgres'],
      ]),
    )
  }

  /** A PasswordMessage. */
  static password(password: string): Buffer {
    return typedMessage('p', cstring(password))
  }

  /** A simple-protocol Query. */
  static query(sql: string): Buffer {
    return typedMessage('Q', cstring(sql))
  }

  /** Writes `bytes`, with `byteByByte` one byte per write (one TLS record each), paced. */
  send(bytes: Buffer, options: { byteByByte?: boolean } = {}): Promise<void> {
    return writeAll(this.socket, bytes, options.byteByByte ?? false)
  }

  /** Reads messages up to and including the first of type `type`; throws on an ErrorResponse. */
  async until(type: string): Promise<TypedMessage[]> {
    const messages: TypedMessage[] = []
    for (;;) {
      const message = await this.#reader.readMessage()
      messages.push(message)
      if (message.type === type) return messages
      if (message.type === 'E') {
        const text = message.body.toString('utf8').split('\0').join(' ')
        throw Object.assign(new Error(text), { code: /C([0-9A-Z]{5})/.exec(text)?.[1] })
      }
    }
  }

  /** Authenticates with `token` as `user`, optionally byte by byte, and waits for ReadyForQuery. */
  async login(user: string, token: string, options: { byteByByte?: boolean } = {}) {
    await this.send(RawConnection.startup(user), options)
    const [request] = await this.until('R')
    if (request?.body.readInt32BE(0) !== 3) throw new Error('expected a cleartext password request')
    await this.send(RawConnection.password(token), options)
    return this.until('Z')
  }

  /** Runs one simple query and returns the text of the first column of each row. */
  async query(sql: string, options: { byteByByte?: boolean } = {}): Promise<string[]> {
    await this.send(RawConnection.query(sql), options)
    const messages = await this.until('Z')
    return messages
      .filter((message) => message.type === 'D')
      .map((message) => {
        const length = message.body.readInt32BE(2)
        return message.body.toString('utf8', 6, 6 + length)
      })
  }

  /** Reads every message until the server closes the connection, and returns them. */
  async untilClosed(): Promise<TypedMessage[]> {
    const messages: TypedMessage[] = []
    for (;;) {
      try {
        messages.push(await this.#reader.readMessage())
      } catch {
        return messages
      }
    }
  }

  /** Ends the TCP connection with a reset (RST), as a crashed client or a middlebox would. */
  reset(): void {
    this.tcp.resetAndDestroy()
    this.socket.destroy()
  }

  /** Resolves once the server has closed the connection. */
  closed(): Promise<void> {
    if (this.socket.closed) return Promise.resolve()
    return new Promise((resolve) => this.socket.once('close', () => resolve()))
  }
}

async function writeAll(socket: net.Socket, bytes: Buffer, byteByByte: boolean): Promise<void> {
  if (!byteByByte) {
    await new Promise<void>((resolve, reject) =>
      socket.write(bytes, (error) => (error ? reject(error) : resolve())),
    )
    return
  }
  for (let i = 0; i < bytes.length; i++) {
    await new Promise<void>((resolve, reject) =>
      socket.write(bytes.subarray(i, i + 1), (error) => (error ? reject(error) : resolve())),
    )
    // Lets each byte leave in a TCP segment of its own instead of being coalesced with the next.
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}
