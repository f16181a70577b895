import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'

/**
 * Wraps a client socket so that every chunk the client sends arrives `delayMs` later, in order:
 * one delay per client flight, i.e. per network round trip, TLS handshake included. This is how
 * the stand-in shows what a remote cluster's round trips cost (direct TLS saves one).
 *
 * @example
 * ```ts
 * const stream = latencyMs > 0 ? delayIncoming(socket, latencyMs) : socket
 * ```
 */
export function delayIncoming(socket: Socket, delayMs: number): Duplex {
  const delayed: Duplex = new Duplex({
    read: () => {
      socket.resume()
    },
    write: (chunk: Buffer, _encoding, callback) => {
      socket.write(chunk, callback)
    },
    final: (callback) => {
      socket.end()
      callback()
    },
    destroy: (error, callback) => {
      socket.destroy()
      callback(error)
    },
  })
  socket.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!delayed.destroyed && !delayed.push(chunk)) socket.pause()
    }, delayMs)
  })
  socket.on('end', () => setTimeout(() => delayed.push(null), delayMs))
  socket.on('error', (error) => delayed.destroy(error))
  socket.on('close', () => setTimeout(() => delayed.destroy(), delayMs))
  return delayed
}
