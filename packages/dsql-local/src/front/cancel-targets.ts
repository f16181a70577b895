import { randomInt, timingSafeEqual } from 'node:crypto'
import net from 'node:net'
import type { DsqlLocalLogger } from '../logger.ts'
import { cancelRequest } from '../wire/pg-messages.ts'
import { describeError } from './log-text.ts'

/** Where a client's cancel key leads: the backend session's own process id and secret. */
interface CancelTarget {
  readonly secret: number
  readonly backendProcessId: number
  readonly backendSecret: number
}

/** The key a client gets in BackendKeyData for one session. */
export interface CancelKey {
  readonly processId: number
  readonly secret: number
}

/**
 * The cancel keys the front hands out, each mapped to its backend session's key. Clients never see
 * a backend key: a CancelRequest is checked here (secret compared in constant time) and forwarded
 * to the backend with the backend's key; a request with an unknown key is ignored and logged.
 *
 * @example
 * ```ts
 * const key = targets.register(backend.processId, backend.secret)
 * client.write(backendKeyData(key.processId, key.secret))
 * // later, for a CancelRequest packet: targets.cancel(packet, peer, backend.target)
 * ```
 */
export class CancelTargets {
  readonly #targets = new Map<number, CancelTarget>()
  readonly #logger: DsqlLocalLogger

  constructor(logger: DsqlLocalLogger) {
    this.#logger = logger
  }

  /** A fresh key for a backend session. */
  register(backendProcessId: number, backendSecret: number): CancelKey {
    const processId = this.#newProcessId()
    const secret = randomInt(-0x80000000, 0x7fffffff)
    this.#targets.set(processId, { secret, backendProcessId, backendSecret })
    return { processId, secret }
  }

  /** Forgets a key when its session ends. */
  delete(processId: number): void {
    this.#targets.delete(processId)
  }

  /**
   * Handles a CancelRequest packet (without its length word): forwards it to `backendTarget`
   * when the key is known, else logs and ignores it.
   */
  cancel(packet: Buffer, peer: string, backendTarget: net.NetConnectOpts | undefined): void {
    if (packet.length !== 12) return
    const target = this.#targets.get(packet.readInt32BE(4))
    const secret = Buffer.alloc(4)
    secret.writeInt32BE(target?.secret ?? 0, 0)
    if (target === undefined || !timingSafeEqual(secret, packet.subarray(8, 12))) {
      this.#logger.warn(`ignored a cancel request from ${peer}: unknown key`)
      return
    }
    if (backendTarget === undefined) return
    const socket = net.connect(backendTarget, () => {
      socket.end(cancelRequest(target.backendProcessId, target.backendSecret))
    })
    socket.on('error', (error) =>
      this.#logger.error(`cancel request failed: ${describeError(error)}`),
    )
  }

  #newProcessId(): number {
    for (;;) {
      const id = randomInt(1, 0x7fffffff)
      if (!this.#targets.has(id)) return id
    }
  }
}
