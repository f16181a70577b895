/**
 * A token bucket: `burst` connections at once, refilled at `ratePerSecond`. DSQL allows
 * 100 new connections per second with a burst of 1,000 per cluster.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ ratePerSecond: 100, burst: 1000 })
 * if (!bucket.take()) refuse()
 * ```
 */
export class TokenBucket {
  readonly #ratePerMs: number
  readonly #burst: number
  #tokens: number
  #updatedAt: number

  constructor(options: { readonly ratePerSecond: number; readonly burst: number }) {
    this.#ratePerMs = options.ratePerSecond / 1000
    this.#burst = options.burst
    this.#tokens = options.burst
    this.#updatedAt = performance.now()
  }

  /** Takes one token; `false` when the bucket is empty. */
  take(): boolean {
    const now = performance.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) * this.#ratePerMs)
    this.#updatedAt = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
