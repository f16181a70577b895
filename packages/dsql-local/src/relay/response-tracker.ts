import { randomBytes } from 'node:crypto'
import { conflictErrors } from '../occ/conflict-errors.ts'
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
  /** A COMMIT (or END): a doomed transaction's COMMIT fails instead of answering `ROLLBACK`. */
  readonly commit?: boolean
  /** A schema change (DDL): while it runs, the session changes the schema. */
  readonly schema?: boolean
}

/** Texts of the rules the backend itself enforces (its limit triggers). */
const backendRuleTexts: ReadonlySet<string> = new Set(
  ['row-limit', 'size-limit'].map((id) => dsqlRule(id).message),
)

/**
 * PostgreSQL's answers to a transaction the referee failed: its statement was cancelled (`57014`),
 * or it runs a statement in the transaction the relay aborted (`25P02`).
 */
const doomedAnswers: ReadonlySet<string> = new Set(['57014', '25P02'])

/** PostgreSQL's own conflicts under REPEATABLE READ (serialization failure, deadlock). */
const conflictCodes: ReadonlySet<string> = new Set(['40001', '40P01'])

/** How a batch (a simple query, or extended-protocol messages up to `Sync`) ends. */
export interface BatchEnd {
  /** The relay's own batch (e.g. a ROLLBACK it added): none of its answers reach the client. */
  readonly internal?: boolean
  /** The ReadyForQuery status the client sees instead of the server's. */
  readonly status?: 'I'
}

interface Batch {
  readonly expectations: Expectation[]
  /** Refusal ids sent in this batch: forgotten once its ReadyForQuery has passed. */
  readonly refusals: string[]
  /** Closed by `Sync` or by being a simple query: a ReadyForQuery will end it. */
  closed: boolean
  end: BatchEnd
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
 * tracker.sent([{}], {}) // one statement, a simple query (which ends its batch)
 * tracker.fromBackend(errorMessageFromPostgres) // => DSQL's ErrorResponse
 * ```
 */
export class ResponseTracker {
  readonly #nonce = randomBytes(9).toString('base64url')
  readonly #refusals = new Map<string, ErrorFields>()
  readonly #batches: Batch[] = []
  #next = 0
  /** The conflict a doomed transaction has not been told of yet. */
  #doom: ErrorFields | undefined

  /**
   * A statement for PostgreSQL that fails at parse time; its error becomes `fields`. Call it for the
   * message that {@link ResponseTracker.sent} records next.
   */
  refusal(fields: ErrorFields): string {
    const id = `dsql-local:${this.#nonce}:${this.#next++}`
    this.#refusals.set(id, fields)
    this.#openBatch().refusals.push(id)
    return `SELECT "${id}"`
  }

  /**
   * Records what was sent: one expectation per statement or `Execute`; `end` for a simple query or
   * `Sync`, which close the batch.
   */
  sent(expectations: readonly Expectation[], end?: BatchEnd): void {
    const batch = this.#openBatch()
    batch.expectations.push(...expectations)
    if (end !== undefined) {
      batch.closed = true
      batch.end = end
    }
  }

  #openBatch(): Batch {
    let batch = this.#batches.at(-1)
    if (batch === undefined || batch.closed) {
      batch = { expectations: [], refusals: [], closed: false, end: {} }
      this.#batches.push(batch)
    }
    return batch
  }

  /** Whether nothing is in flight: every batch sent has been answered. */
  get idle(): boolean {
    return this.#batches.length === 0
  }

  /** Whether a statement or `Execute` with this mark is sent and not yet answered. */
  awaits(mark: 'commit' | 'schema'): boolean {
    return this.#batches.some((batch) => batch.expectations.some((e) => e[mark] === true))
  }

  /**
   * The transaction lost a conflict: the next answer that shows it (a cancelled statement, a
   * statement refused in the aborted transaction, or its COMMIT's `ROLLBACK`) becomes `fields`.
   */
  doom(fields: ErrorFields): void {
    this.#doom = fields
  }

  /** Whether the session has a conflict it has not been told of yet. */
  get doomed(): boolean {
    return this.#doom !== undefined
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
        if (expectation?.commit && this.#doom !== undefined && isRollbackTag(message)) {
          // DSQL's COMMIT of a transaction that lost a conflict fails (PostgreSQL says ROLLBACK).
          const fields = this.#doom
          this.#doom = undefined
          return { forward: errorResponse(fields) }
        }
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
        if (batch?.end.internal) return { forward: Buffer.alloc(0) }
        const received = parseErrorFields(message.subarray(5))
        const text = received.get('M') ?? ''
        const code = received.get('C') ?? ''
        const doom = this.#doom
        this.#doom = undefined
        if (doom !== undefined && doomedAnswers.has(code)) return { forward: errorResponse(doom) }
        if (conflictCodes.has(code)) return { forward: errorResponse(conflictErrors.OC000) }
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
        if (batch?.closed) {
          this.#batches.shift()
          for (const id of batch.refusals) this.#refusals.delete(id)
        }
        const raw = String.fromCharCode(message[5] ?? 0)
        const status = batch?.end.status ?? (raw === 'T' || raw === 'E' ? raw : 'I')
        // The transaction is over: a conflict not yet told is moot.
        if (raw === 'I') this.#doom = undefined
        if (batch?.end.internal) return { forward: Buffer.alloc(0), status }
        const forward = status === raw ? message : typedMessage('Z', Buffer.from(status))
        return { forward, status }
      }
      default:
        return { forward: message }
    }
  }
}

function isRollbackTag(message: Buffer): boolean {
  return message.toString('utf8', 5, message.length - 1) === 'ROLLBACK'
}
