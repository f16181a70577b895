import type { DsqlLocalLogger } from '../logger.ts'
import { type ConflictCode, conflictErrors } from '../occ/conflict-errors.ts'
import type { ConflictInjections } from '../occ/conflict-injections.ts'
import { TransactionRules } from '../sql/transaction-rules.ts'
import { cstring, typedMessage } from '../wire/pg-messages.ts'
import { ResponseTracker } from './response-tracker.ts'

/** What {@link SessionState} needs to know of its session. */
export interface SessionStateOptions {
  /** Rule ids switched off. */
  readonly relaxed: ReadonlySet<string>
  readonly ageLimitMs: number
  readonly logger: DsqlLocalLogger
  /** Who the session is, for the log (already quoted). */
  readonly who: string
  /** Told when the session starts having something in flight (`true`) and when it stops. */
  readonly onBusyChange?: (busy: boolean) => void
  /** Conflicts to inject into COMMITs, and who the session is to them. */
  readonly injections?: ConflictInjections
  readonly role: string
  readonly sessionId: string
}

/**
 * One relayed session's transaction as the relay follows it: the answers it waits for (see
 * {@link ResponseTracker}), DSQL's transaction rules (see {@link TransactionRules}), and what the
 * lock referee asks of it: whether something is in flight, whether a COMMIT or a schema change is,
 * which transaction it is in (`serial`), and the means to fail that transaction with a conflict.
 *
 * @example
 * ```ts
 * const state = new SessionState({ relaxed: new Set(), ageLimitMs: 300_000, logger, who: '"admin"' })
 * client.write(state.fromBackend(wholeReadyForQuery))
 * if (!state.busy && state.status === 'T') state.doom('OC000')
 * ```
 */
export class SessionState {
  readonly tracker = new ResponseTracker()
  readonly rules: TransactionRules
  readonly #options: SessionStateOptions
  #busy = false
  #serial = 0
  #status: 'I' | 'T' | 'E' = 'I'

  constructor(options: SessionStateOptions) {
    this.#options = options
    this.rules = new TransactionRules({ relaxed: options.relaxed, ageLimitMs: options.ageLimitMs })
  }

  /** Takes one whole server message and returns what to send to the client instead. */
  fromBackend(message: Buffer): Buffer {
    const { forward, status } = this.tracker.fromBackend(message)
    if (status !== undefined) {
      if (String.fromCharCode(message[5] ?? 0) === 'I') this.#serial += 1
      if (this.tracker.idle) {
        this.#status = status
        this.rules.settle(status)
      }
      this.noteBusy()
    }
    return forward
  }

  /** Whether something sent to PostgreSQL is not answered yet. */
  get busy(): boolean {
    return !this.tracker.idle
  }

  /** The session's transaction status as of the last answer (when nothing is in flight). */
  get status(): 'I' | 'T' | 'E' {
    return this.#status
  }

  /** Counts transactions ended: a lock seen under one serial belongs to that transaction. */
  get serial(): number {
    return this.#serial
  }

  /** Whether a COMMIT is in flight. */
  get committing(): boolean {
    return this.tracker.awaits('commit')
  }

  /** Whether the transaction changes the schema: a DDL statement ran or runs in it. */
  get changingSchema(): boolean {
    return this.rules.changedSchema || this.tracker.awaits('schema')
  }

  /** Whether the session lost a conflict it has not been told of yet. */
  get doomed(): boolean {
    return this.tracker.doomed
  }

  /**
   * The transaction lost a conflict: its statement in flight (once cancelled), its next statement,
   * or its COMMIT answers `code`'s error. The caller ends the transaction's locks, by cancelling
   * the statement in flight or, when idle, by sending {@link SessionState.abortMessage}.
   */
  doom(code: ConflictCode): void {
    this.tracker.doom(conflictErrors[code])
    this.#options.logger.info(
      `failed the transaction of ${this.#options.who} with ${code}: another transaction needs what it holds`,
    )
  }

  /**
   * A message that aborts the idle session's transaction in PostgreSQL (so its locks go) without
   * the client seeing an answer; the next statement is then refused by PostgreSQL (`25P02`) and
   * that answer becomes the conflict.
   */
  abortMessage(): Buffer {
    this.tracker.sent([{ drop: true }], { internal: true })
    this.noteBusy()
    return typedMessage('Q', cstring('SELECT "dsql-local: the transaction lost a conflict"'))
  }

  /** Tells `onBusyChange` when the session starts or stops having something in flight. */
  noteBusy(): void {
    const busy = !this.tracker.idle
    if (busy === this.#busy) return
    this.#busy = busy
    this.#options.onBusyChange?.(busy)
  }

  /**
   * The conflict to inject into the COMMIT of the open transaction about to run, if an injection
   * matches the session (and counts it). A transaction that already failed fails anyway.
   */
  injectedConflict(): ConflictCode | undefined {
    const { injections, role, sessionId, logger, who } = this.#options
    if (injections === undefined || this.tracker.doomed || this.#status === 'E') return undefined
    const code = injections.take({ role, sessionId })
    if (code !== undefined) logger.info(`injected a conflict (${code}) into a COMMIT of ${who}`)
    return code
  }
}
