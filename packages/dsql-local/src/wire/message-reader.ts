import type { Readable } from 'node:stream'

/** A typed protocol message: its type letter and its body (without type and length). */
export interface TypedMessage {
  readonly type: string
  readonly body: Buffer
}

/** Largest message accepted during the startup phase (PostgreSQL allows 10,000 for startup). */
const maxStartupLength = 10_000

/**
 * Reads whole protocol messages from a stream during the startup phase, then hands the stream
 * back with {@link MessageReader.detach} (and whatever it had read ahead) so bytes can be relayed.
 */
export class MessageReader {
  readonly #stream: Readable
  #buffered: Buffer = Buffer.alloc(0)
  #failure: Error | undefined
  #wake: (() => void) | undefined

  readonly #onData = (chunk: Buffer) => {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk])
    this.#wake?.()
  }
  readonly #onEnd = () => this.#fail(new Error('connection closed by peer'))
  readonly #onError = (error: Error) => this.#fail(error)

  constructor(stream: Readable) {
    this.#stream = stream
    stream.on('data', this.#onData)
    stream.on('end', this.#onEnd)
    stream.on('close', this.#onEnd)
    stream.on('error', this.#onError)
  }

  /** Bytes read ahead and not yet consumed. */
  get bufferedLength(): number {
    return this.#buffered.length
  }

  /** Waits for `length` bytes and returns them without consuming them. */
  async peek(length: number): Promise<Buffer> {
    while (this.#buffered.length < length) {
      if (this.#failure) throw this.#failure
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
      this.#wake = undefined
    }
    return this.#buffered.subarray(0, length)
  }

  /** Waits for and consumes exactly `length` bytes. */
  async read(length: number): Promise<Buffer> {
    const bytes = Buffer.from(await this.peek(length))
    this.#buffered = this.#buffered.subarray(length)
    return bytes
  }

  /** Reads an untyped startup-phase packet and returns it without its length word. */
  async readStartupPacket(): Promise<Buffer> {
    const length = (await this.read(4)).readInt32BE(0)
    if (length < 8 || length > maxStartupLength)
      throw new Error(`invalid startup packet length ${length}`)
    return this.read(length - 4)
  }

  /** Reads one typed message no longer than `maxLength` bytes. */
  async readMessage(maxLength = 1 << 20): Promise<TypedMessage> {
    const header = await this.read(5)
    const length = header.readInt32BE(1)
    if (length < 4 || length > maxLength) throw new Error(`invalid message length ${length}`)
    return { type: String.fromCharCode(header[0] ?? 0), body: await this.read(length - 4) }
  }

  /** Stops reading, pauses the stream and returns the bytes read ahead. */
  detach(): Buffer {
    this.#stream.off('data', this.#onData)
    this.#stream.off('end', this.#onEnd)
    this.#stream.off('close', this.#onEnd)
    this.#stream.off('error', this.#onError)
    this.#stream.pause()
    const rest = this.#buffered
    this.#buffered = Buffer.alloc(0)
    return rest
  }

  #fail(error: Error): void {
    this.#failure ??= error
    this.#wake?.()
  }
}
