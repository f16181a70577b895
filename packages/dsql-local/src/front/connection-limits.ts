import { Refusal, refusals } from './refusal.ts'
import { TokenBucket } from './token-bucket.ts'

/** One counted open connection; `release()` gives the slot back (idempotent). */
export interface ConnectionSlot {
  release(): void
}

/**
 * DSQL's two connection limits: a token bucket for new connections (`53400`) and a cap on open
 * ones (`53300`), checked in that order for every startup.
 *
 * @example
 * ```ts
 * const limits = new ConnectionLimits({ ratePerSecond: 100, burst: 1000, maxConnections: 10_000 })
 * const slot = limits.claim() // throws a Refusal when a limit is reached
 * try { ... } finally { slot.release() }
 * ```
 */
export class ConnectionLimits {
  readonly #bucket: TokenBucket
  readonly #options: { ratePerSecond: number; burst: number; maxConnections: number }
  #open = 0

  constructor(options: { ratePerSecond: number; burst: number; maxConnections: number }) {
    this.#options = { ...options }
    this.#bucket = new TokenBucket({ ratePerSecond: options.ratePerSecond, burst: options.burst })
  }

  /** Takes a token from the bucket and an open-connection slot, or throws DSQL's {@link Refusal}. */
  claim(): ConnectionSlot {
    const { ratePerSecond, burst, maxConnections } = this.#options
    if (!this.#bucket.take()) {
      throw new Refusal(
        refusals.rateExceeded,
        `connection rate above ${ratePerSecond}/s (burst ${burst})`,
      )
    }
    if (this.#open >= maxConnections) {
      throw new Refusal(
        refusals.tooManyConnections,
        `already ${this.#open} connections, the maximum is ${maxConnections}`,
      )
    }
    this.#open += 1
    let held = true
    return {
      release: () => {
        if (held) this.#open -= 1
        held = false
      },
    }
  }
}
