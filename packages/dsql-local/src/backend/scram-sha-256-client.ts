import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * The client side of SCRAM-SHA-256 (RFC 5802/7677, without channel binding), for backends given
 * by URL whose `pg_hba.conf` asks for passwords. One instance per authentication exchange.
 */
export class ScramSha256Client {
  readonly #password: string
  readonly #nonce = randomBytes(18).toString('base64')
  #authMessage = ''
  #saltedPassword: Buffer = Buffer.alloc(0)

  constructor(password: string) {
    this.#password = password
  }

  /** The client-first message. */
  firstMessage(): string {
    return `n,,n=,r=${this.#nonce}`
  }

  /** The client-final message, computed from the server-first message. */
  finalMessage(serverFirst: string): string {
    const attributes = new Map(
      serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const),
    )
    const nonce = attributes.get('r') ?? ''
    const salt = Buffer.from(attributes.get('s') ?? '', 'base64')
    const iterations = Number(attributes.get('i'))
    if (!nonce.startsWith(this.#nonce) || salt.length === 0 || !(iterations > 0)) {
      throw new Error('malformed SCRAM server-first message')
    }
    this.#saltedPassword = pbkdf2Sync(this.#password, salt, iterations, 32, 'sha256')
    const clientKey = hmac(this.#saltedPassword, 'Client Key')
    const storedKey = createHash('sha256').update(clientKey).digest()
    const withoutProof = `c=biws,r=${nonce}`
    this.#authMessage = `n=,r=${this.#nonce},${serverFirst},${withoutProof}`
    const signature = hmac(storedKey, this.#authMessage)
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)))
    return `${withoutProof},p=${proof.toString('base64')}`
  }

  /** Checks the server's signature in the server-final message. */
  verifyServer(serverFinal: string): void {
    const expected = hmac(hmac(this.#saltedPassword, 'Server Key'), this.#authMessage)
    const received = Buffer.from(serverFinal.replace(/^v=/, '').split(',')[0] ?? '', 'base64')
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
      throw new Error('SCRAM server signature does not match')
    }
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}
