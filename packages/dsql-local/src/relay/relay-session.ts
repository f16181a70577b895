import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { MessageSplitter } from '../wire/message-splitter.ts'
import { terminate } from '../wire/pg-messages.ts'
import type { StatementGate } from './statement-gate.ts'

/** The two ends of an authenticated session and how long it may last. */
export interface RelayOptions {
  /** The client's decrypted TLS stream. */
  readonly client: Duplex
  /** Bytes the client sent after its password, to forward first. */
  readonly clientLeftover: Buffer
  readonly backend: Socket
  /** Bytes the backend sent after its startup answer, to forward first. */
  readonly backendLeftover: Buffer
  /** Applies DSQL's SQL dialect to the messages both ways. */
  readonly gate: StatementGate
  /** When the session must end (ms since the epoch). */
  readonly deadlineMs: number
  /** Largest message the client may send; a larger one closes the session. */
  readonly maxMessageBytes: number
  /**
   * Called once (asynchronously) when both ends are closed or closing; `reason` says why when the
   * relay closed it (the deadline, a message too large or malformed), for the log.
   */
  readonly onClose: (reason: string | undefined) => void
}

/** An open relay; `close()` ends it at once (used when the stand-in stops). */
export interface Relay {
  close(): void
  /**
   * Sends the relay's own bytes to the backend between two client messages; returns `false` (and
   * sends nothing) while the client is in the middle of a message or the session is closed.
   */
  toBackend(bytes: Buffer): boolean
  /**
   * Keeps the client's next messages from the backend until `done` settles (they are queued, in
   * order): used while a cancel of the statement in flight is delivered, so that it cannot reach a
   * later statement.
   */
  holdClientUntil(done: Promise<unknown>): Promise<unknown>
}

/**
 * Passes bytes both ways between an authenticated client and its backend session. The messages
 * the {@link StatementGate} needs (client `Query`, `Parse`, `Bind`, `Execute`, ...; server
 * completions, errors and ReadyForQuery) are collected whole and go through it; everything else,
 * row data above all, is relayed as it arrives. At the deadline the session ends at the next message
 * boundary without an ErrorResponse, as DSQL closes connections older than its maximum duration
 * (medium confidence); a client message larger than `maxMessageBytes` ends it at once.
 *
 * @example
 * ```ts
 * relaySession({ client, clientLeftover, backend, backendLeftover, gate, deadlineMs, maxMessageBytes, onClose })
 * ```
 */
export function relaySession(options: RelayOptions): Relay {
  const { client, backend } = options
  let closed = false
  let expiring = false
  const fromClient = new MessageSplitter({
    holds: (type) => options.gate.holdsClient(type),
    rewrite: (message) => options.gate.fromClient(message),
    maxLength: options.maxMessageBytes,
  })
  const fromBackend = new MessageSplitter({
    holds: (type) => options.gate.holdsBackend(type),
    rewrite: (message) => options.gate.fromBackend(message),
  })

  const finish = (reason?: string) => {
    if (closed) return
    closed = true
    clearTimeout(timer)
    client.off('data', onClientData)
    backend.off('data', onBackendData)
    client.end()
    if (!backend.destroyed) backend.end(terminate())
    setTimeout(() => {
      client.destroy()
      backend.destroy()
    }, 1000).unref()
    // Later, so that `onClose` never runs before the caller has the relay in hand.
    queueMicrotask(() => options.onClose(reason))
  }

  // Client chunks kept back while the relay holds the client (see `holdClientUntil`).
  let heldChunks: Buffer[] | undefined
  const onClientData = (chunk: Buffer) => {
    if (heldChunks !== undefined) {
      heldChunks.push(chunk)
      return
    }
    let forward: Buffer[]
    try {
      forward = fromClient.push(chunk).forward
    } catch (error) {
      finish(error instanceof Error ? error.message : String(error))
      return
    }
    if (forward.length > 0 && !backend.write(Buffer.concat(forward))) {
      client.pause()
      backend.once('drain', () => client.resume())
    }
  }
  const onBackendData = (chunk: Buffer) => {
    let pushed: { forward: Buffer[]; stopped: boolean }
    try {
      pushed = fromBackend.push(chunk, expiring)
    } catch (error) {
      // A malformed server message: end the session rather than let the process fall over.
      finish(error instanceof Error ? error.message : String(error))
      return
    }
    const { forward, stopped } = pushed
    if (forward.length > 0 && !client.write(Buffer.concat(forward))) {
      backend.pause()
      client.once('drain', () => backend.resume())
    }
    if (stopped) finish(maximumDuration)
  }
  const expire = () => {
    // Close between two messages, so the client never reads half of one.
    if (fromBackend.atBoundary) finish(maximumDuration)
    else expiring = true
  }
  const maximumDuration = 'maximum duration reached'
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
  return {
    close: () => finish(),
    toBackend: (bytes) => {
      if (closed || !fromClient.atBoundary) return false
      backend.write(bytes)
      return true
    },
    holdClientUntil: (done) => {
      if (heldChunks !== undefined) return done
      const held: Buffer[] = []
      heldChunks = held
      const release = () => {
        heldChunks = undefined
        for (const chunk of held) if (!closed) onClientData(chunk)
      }
      return done.then(release, release)
    },
  }
}
