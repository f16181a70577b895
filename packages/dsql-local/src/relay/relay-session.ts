import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { rewriteIamStatements } from '../sql/rewrite-iam-statements.ts'
import { MessageSplitter } from '../wire/message-splitter.ts'
import { cstring, terminate, typedMessage } from '../wire/pg-messages.ts'

/** The two ends of an authenticated session and how long it may last. */
export interface RelayOptions {
  /** The client's decrypted TLS stream. */
  readonly client: Duplex
  /** Bytes the client sent after its password, to forward first. */
  readonly clientLeftover: Buffer
  readonly backend: Socket
  /** Bytes the backend sent after its startup answer, to forward first. */
  readonly backendLeftover: Buffer
  /** When the session must end (ms since the epoch). */
  readonly deadlineMs: number
  /** The ErrorResponse sent when the deadline passes. */
  readonly deadlineError: Buffer
  /**
   * Called once (asynchronously) when both ends are closed or closing; `expired` when the
   * deadline closed it.
   */
  readonly onClose: (expired: boolean) => void
}

/** An open relay; `close()` ends it at once (used when the stand-in stops). */
export interface Relay {
  close(): void
}

/**
 * Passes bytes both ways between an authenticated client and its backend session. Client
 * `Query` and `Parse` messages go through {@link rewriteIamStatements}; everything else is
 * relayed as it arrives. At the deadline the session ends at the next message boundary with
 * `deadlineError`, as DSQL closes connections older than its maximum duration.
 *
 * @example
 * ```ts
 * relaySession({ client, clientLeftover, backend, backendLeftover, deadlineMs, deadlineError, onClose })
 * ```
 */
export function relaySession(options: RelayOptions): Relay {
  const { client, backend } = options
  let closed = false
  let expiring = false
  const fromClient = new MessageSplitter({
    holds: (type) => type === 'Q' || type === 'P',
    rewrite: rewriteClientMessage,
  })
  const fromBackend = new MessageSplitter({ holds: () => false, rewrite: (message) => message })

  const finish = (fatal?: Buffer) => {
    if (closed) return
    closed = true
    clearTimeout(timer)
    client.off('data', onClientData)
    backend.off('data', onBackendData)
    if (fatal) client.end(fatal)
    else client.end()
    if (!backend.destroyed) backend.end(terminate())
    setTimeout(() => {
      client.destroy()
      backend.destroy()
    }, 1000).unref()
    // Later, so that `onClose` never runs before the caller has the relay in hand.
    queueMicrotask(() => options.onClose(fatal !== undefined))
  }

  const onClientData = (chunk: Buffer) => {
    let forward: Buffer[]
    try {
      forward = fromClient.push(chunk).forward
    } catch {
      finish()
      return
    }
    if (forward.length > 0 && !backend.write(Buffer.concat(forward))) {
      client.pause()
      backend.once('drain', () => client.resume())
    }
  }
  const onBackendData = (chunk: Buffer) => {
    const { forward, stopped } = fromBackend.push(chunk, expiring)
    if (forward.length > 0 && !client.write(Buffer.concat(forward))) {
      backend.pause()
      client.once('drain', () => backend.resume())
    }
    if (stopped) finish(options.deadlineError)
  }
  const expire = () => {
    // Close between two messages, so the client reads a whole ErrorResponse.
    if (fromBackend.atBoundary) finish(options.deadlineError)
    else expiring = true
  }
  const timer = setTimeout(expire, Math.max(0, options.deadlineMs - Date.now()))

  client.on('data', onClientData)
  backend.on('data', onBackendData)
  for (const stream of [client, backend]) {
    stream.on('error', () => finish())
    stream.on('end', () => finish())
    stream.on('close', () => finish())
  }
  if (options.backendLeftover.length > 0) onBackendData(options.backendLeftover)
  if (options.clientLeftover.length > 0) onClientData(options.clientLeftover)
  client.resume()
  backend.resume()
  // A client that left while its backend session was being opened gets no 'close' event here:
  // end the backend session now rather than keep it (and its connection slot) forever.
  if (client.destroyed || backend.destroyed) finish()
  return { close: () => finish() }
}

/** Rewrites `AWS IAM GRANT/REVOKE` in a whole `Query` or `Parse` message; others unchanged. */
function rewriteClientMessage(message: Buffer): Buffer {
  if (!/iam/i.test(message.toString('latin1'))) return message
  const body = message.subarray(5)
  if (message[0] === 0x51 /* Q */) {
    const sql = rewriteIamStatements(body.toString('utf8', 0, body.length - 1))
    return sql === undefined ? message : typedMessage('Q', cstring(sql))
  }
  const nameEnd = body.indexOf(0)
  const queryEnd = body.indexOf(0, nameEnd + 1)
  if (nameEnd < 0 || queryEnd < 0) return message
  const sql = rewriteIamStatements(body.toString('utf8', nameEnd + 1, queryEnd))
  if (sql === undefined) return message
  return typedMessage(
    'P',
    Buffer.concat([body.subarray(0, nameEnd + 1), cstring(sql), body.subarray(queryEnd + 1)]),
  )
}
