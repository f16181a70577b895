import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import type { DsqlLocalLogger } from '../logger.ts'
import { MessageReader } from '../wire/message-reader.ts'
import {
  cancelRequestCode,
  errorResponse,
  gssEncRequestCode,
  sslRequestCode,
} from '../wire/pg-messages.ts'
import { refusals } from './refusal.ts'

/** A client's TLS stream and how it got there. */
export interface SecureStream {
  readonly socket: tls.TLSSocket
  readonly mode: 'direct TLS' | 'SSLRequest'
}

/** What the pre-TLS phase needs from the front. */
export interface NegotiateTlsOptions {
  /** The server certificate and key. */
  readonly secureContext: tls.SecureContext
  /** `address:port` of the client, for the log. */
  readonly peer: string
  readonly logger: DsqlLocalLogger
  /** Called with a plaintext CancelRequest packet (without its length word). */
  readonly onCancel: (packet: Buffer) => void
}

/**
 * The pre-TLS phase, the way DSQL negotiates: direct TLS (the first byte is a TLS handshake record;
 * the client must offer ALPN `postgresql`, as PostgreSQL 17 requires) or an SSLRequest answered `S`
 * (bytes sent after it before the handshake close the connection, CVE-2021-23214). A GSSENCRequest
 * gets `N`, a plaintext CancelRequest is handed to `onCancel`, and a plaintext startup gets a FATAL
 * `TLS required`. Resolves to the TLS socket once the handshake is done, or `undefined` when the
 * connection was handled here; rejects when the client breaks the protocol or leaves.
 *
 * @example
 * ```ts
 * const secure = await negotiateTls(socket, { secureContext, peer, logger, onCancel })
 * if (secure) startSession(secure.socket)
 * ```
 */
export async function negotiateTls(
  stream: Duplex,
  options: NegotiateTlsOptions,
): Promise<SecureStream | undefined> {
  const reader = new MessageReader(stream)
  const first = await reader.peek(1)
  if (first[0] === 0x16) return upgrade(stream, reader.detach(), 'direct', options)
  for (;;) {
    const packet = await reader.readStartupPacket()
    const code = packet.readInt32BE(0)
    if (code === sslRequestCode) {
      // Bytes after the SSLRequest would be read as if they came through TLS (CVE-2021-23214).
      if (reader.bufferedLength > 0) throw new Error('data after SSLRequest, before TLS')
      reader.detach()
      stream.write('S')
      return upgrade(stream, Buffer.alloc(0), 'sslrequest', options)
    }
    if (code === gssEncRequestCode) {
      stream.write('N')
    } else if (code === cancelRequestCode) {
      options.onCancel(packet)
      reader.detach()
      stream.end()
      return undefined
    } else {
      options.logger.warn(`refused ${options.peer}: plaintext startup, TLS is required`)
      reader.detach()
      stream.end(errorResponse(refusals.tlsRequired))
      return undefined
    }
  }
}

/** Runs the TLS handshake as the server on `stream`, after putting back the bytes read ahead. */
async function upgrade(
  stream: Duplex,
  readAhead: Buffer,
  mode: 'direct' | 'sslrequest',
  options: NegotiateTlsOptions,
): Promise<SecureStream | undefined> {
  if (readAhead.length > 0) stream.unshift(readAhead)
  const secure = new tls.TLSSocket(stream, {
    isServer: true,
    secureContext: options.secureContext,
    // A client that offers ALPN must offer `postgresql` (PostgreSQL 17 does the same).
    ALPNCallback: ({ protocols }) => (protocols.includes('postgresql') ? 'postgresql' : undefined),
  })
  secure.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    secure.once('secure', resolve)
    secure.once('error', reject)
    secure.once('close', () => reject(new Error('closed during the TLS handshake')))
  })
  if (mode === 'direct' && secure.alpnProtocol !== 'postgresql') {
    options.logger.warn(`refused ${options.peer}: direct TLS without ALPN "postgresql"`)
    secure.destroy()
    return undefined
  }
  return { socket: secure, mode: mode === 'direct' ? 'direct TLS' : 'SSLRequest' }
}
