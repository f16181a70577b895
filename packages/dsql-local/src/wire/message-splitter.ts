/**
 * Follows the message boundaries of a relayed protocol stream without holding it up: bytes of
 * ordinary messages pass through as they arrive, while messages of the types given to `holds`
 * are collected whole and passed to `rewrite` (the TLS front rewrites `Query` and `Parse`).
 * `push` throws on a malformed length and on a message longer than `maxLength`, before any byte
 * of that message is forwarded or held: the caller then closes the connection.
 *
 * @example
 * ```ts
 * const splitter = new MessageSplitter({ holds: (type) => type === 'Q', rewrite: (m) => m, maxLength: 10 * 1024 * 1024 })
 * const { forward } = splitter.push(chunk)
 * ```
 */
export class MessageSplitter {
  readonly #holds: (type: string) => boolean
  readonly #rewrite: (message: Buffer) => Buffer
  readonly #maxLength: number
  /** Header bytes seen of the next message (fewer than 5). */
  #header: Buffer = Buffer.alloc(0)
  /** Body bytes still to pass through for the current message. */
  #remaining = 0
  /** Pieces of a held message and how many bytes it still lacks. */
  #held: Buffer[] | undefined
  #heldRemaining = 0

  constructor(options: {
    readonly holds: (type: string) => boolean
    readonly rewrite: (message: Buffer) => Buffer
    /**
     * Largest message allowed, counted as its length word counts it (everything but the type
     * byte). Default: no limit beyond the protocol's.
     */
    readonly maxLength?: number
  }) {
    this.#holds = options.holds
    this.#rewrite = options.rewrite
    this.#maxLength = options.maxLength ?? Number.POSITIVE_INFINITY
  }

  /** True between two messages. */
  get atBoundary(): boolean {
    return this.#header.length === 0 && this.#remaining === 0 && this.#held === undefined
  }

  /**
   * Consumes a chunk and returns what to forward. With `stopAtBoundary`, returns only the bytes
   * up to the first boundary and sets `stopped` once it is reached (the rest is dropped).
   */
  push(chunk: Buffer, stopAtBoundary = false): { forward: Buffer[]; stopped: boolean } {
    const forward: Buffer[] = []
    let offset = 0
    while (offset < chunk.length) {
      if (stopAtBoundary && this.atBoundary) return { forward, stopped: true }
      if (this.#held !== undefined) {
        const take = Math.min(this.#heldRemaining, chunk.length - offset)
        this.#held.push(chunk.subarray(offset, offset + take))
        this.#heldRemaining -= take
        offset += take
        if (this.#heldRemaining === 0) {
          forward.push(this.#rewrite(Buffer.concat(this.#held)))
          this.#held = undefined
        }
      } else if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - offset)
        forward.push(chunk.subarray(offset, offset + take))
        this.#remaining -= take
        offset += take
      } else {
        const take = Math.min(5 - this.#header.length, chunk.length - offset)
        this.#header = Buffer.concat([this.#header, chunk.subarray(offset, offset + take)])
        offset += take
        if (this.#header.length < 5) break
        const header = this.#header
        this.#header = Buffer.alloc(0)
        const length = header.readInt32BE(1)
        if (length < 4) throw new Error(`invalid protocol message length ${length}`)
        if (length > this.#maxLength) {
          throw new Error(
            `protocol message of ${length} bytes is larger than maxMessageBytes (${this.#maxLength})`,
          )
        }
        if (this.#holds(String.fromCharCode(header[0] ?? 0))) {
          this.#held = [header]
          this.#heldRemaining = length - 4
          if (this.#heldRemaining === 0) {
            forward.push(this.#rewrite(header))
            this.#held = undefined
          }
        } else {
          forward.push(header)
          this.#remaining = length - 4
        }
      }
    }
    return { forward, stopped: stopAtBoundary && this.atBoundary }
  }
}
