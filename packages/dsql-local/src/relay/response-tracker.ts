import { randomBytes } from 'node:crypto'
import { dsqlRule } from '../sql/dsql-rules.ts'
import {
  type ErrorFields,
  errorResponse,
  parseErrorFields,
  typedMessage,
} from '../wire/pg-messages.ts'

/** What to do with the server's answer to one statement or `Execute`. */
export interface Expectation {
  /** Replace the command tag of its CommandComplete (e.g. `CREATE INDEX` for `CREATE INDEX ASYNC`). */
  readonly tag?: string
  /** Drop its CommandComplete: the client did not send this statement. */
  readonly drop?: boolean
}

/** Texts of the rules the backend itself enforces (its limit triggers). */
const backendRuleTexts: ReadonlySet<string> = new Set(
  ['row-limit', 'size-limit'].map((id) => dsqlRule(id).message),
)

interface Batch {
  readonly expectations: Expectation[]
  /** Closed by `Sync` or by being a simple query: a ReadyForQuery will end it. */
  closed: boolean
}

/**
 * Follows the server's answers in step with what the relay sent, so it can edit them:
 * - answers to a refused statement: the relay sends PostgreSQL a statement that fails at parse
 *   time on a column named by {@link ResponseTracker.refusal} (with a per-session random nonce, so
 *   no client can forge one); that error is replaced by DSQL's ErrorResponse. PostgreSQL itself
 *   thus aborts the transaction, skips to `Sync` and answers `25P02` afterwards, as DSQL does;
 * - command tags and dropped completions, per {@link Expectation}, one per statement or `Execute`;
 * - the ReadyForQuery status, reported when nothing is in flight.
 *
 * @example
 * ```ts
 * const tracker = new ResponseTracker()
 * const sql = tracker.refusal({ severity: 'ERROR', code: '0A000', message: 'unsupported statement: Truncate' })
 * tracker.sent([{}], true) // one statement, a simple query
 * tracker.fromBackend(errorMessageFromPostgres) // => DSQL's ErrorResponse
 * ```
 */
export class ResponseTracker {
  readonly #nonce = randomBytes(9).toString('base64url')
  readonly #refusals = new Map<string, ErrorFields>()
  readonly #batches: Batch[] = []
  #next = 0

  /** A statement for PostgreSQL that fails at parse time; its error becomes `fields`. */
  refusal(fields: ErrorFields): string {
    const id = `dsql-local:${this.#nonce}:${this.#next++}`
    this.#refusals.set(id, fields)
    // A refusal PostgreSQL never reached (its transaction had already failed) is forgotten here.
    if (this.#refusals.size > 64) this.#refusals.delete(this.#refusals.keys().next().value ?? '')
    return `SELECT "${id}"`
  }

  /** Records what was sent: one expectation per statement or `Execute`; `close` for Query/Sync. */
  sent(expectations: readonly Expectation[], close: boolean): void {
    let batch = this.#batches.at(-1)
    if (batch === undefined || batch.closed) {
      batch = { expectations: [], closed: false }
      this.#batches.push(batch)
    }
    batch.expectations.push(...expectations)
    if (close) batch.closed = true
  }

  /** Whether nothing is in flight: every batch sent has been answered. */
  get idle(): boolean {
    return this.#batches.length === 0
  }

  /**
   * Edits one whole server message (`C`, `I`, `s`, `E` or `Z`); returns what to forward and, for
   * ReadyForQuery, its status.
   */
  fromBackend(message: Buffer): { forward: Buffer; status?: 'I' | 'T' | 'E' } {
    const type = String.fromCharCode(message[0] ?? 0)
    const batch = this.#batches[0]
    switch (type) {
      case 'C': {
        const expectation = batch?.expectations.shift()
        if (expectation?.drop) return { forward: Buffer.alloc(0) }
        if (expectation?.tag === undefined) return { forward: message }
        return { forward: typedMessage('C', Buffer.from(`${expectation.tag}\0`)) }
      }
      case 'I':
      case 's':
        batch?.expectations.shift()
        return { forward: message }
      case 'E': {
        // After an error PostgreSQL runs nothing more of this batch.
        if (batch) batch.expectations.length = 0
        const received = parseErrorFields(message.subarray(5))
        const text = received.get('M') ?? ''
        if (backendRuleTexts.has(text)) {
          // The backend's limit triggers raise DSQL's text; DSQL sends no PL/pgSQL context with it.
          const severity = received.get('S') === 'FATAL' ? 'FATAL' : 'ERROR'
          return {
            forward: errorResponse({ severity, code: received.get('C') ?? '', message: text }),
          }
        }
        const id = /"(dsql-local:[^"]+)"/.exec(text)?.[1]
        const fields = id === undefined ? undefined : this.#refusals.get(id)
        if (id === undefined || fields === undefined) return { forward: message }
        this.#refusals.delete(id)
        return { forward: errorResponse(fields) }
      }
      case 'Z': {
        if (batch?.closed) this.#batches.shift()
        const status = String.fromCharCode(message[5] ?? 0)
        return { forward: message, status: status === 'T' || status === 'E' ? status : 'I' }
      }
      default:
        return { forward: message }
    }
  }
}
