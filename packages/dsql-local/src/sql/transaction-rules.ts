import type { RuleHit, StatementClass } from './check-statement.ts'

/** A statement about to run, as far as the transaction rules care. */
export interface TransactionStep {
  readonly class: StatementClass
  /** For `transaction` statements: the parse tree's kind, e.g. `TRANS_STMT_BEGIN`. */
  readonly transactionKind?: string
}

/** Whether `step` is a COMMIT (or END). */
export function isCommit(step: TransactionStep): boolean {
  return step.class === 'transaction' && step.transactionKind === 'TRANS_STMT_COMMIT'
}

const ends: ReadonlySet<string> = new Set([
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_PREPARE',
  'TRANS_STMT_COMMIT_PREPARED',
  'TRANS_STMT_ROLLBACK_PREPARED',
])

/**
 * DSQL's rules about what one transaction may hold, followed statement by statement for one
 * session: at most one DDL statement, never DDL and DML together, and no statement (COMMIT
 * included) once the transaction is older than the age limit. A transaction is an explicit
 * `BEGIN ... COMMIT` block, or else the implicit one of a simple query (all its statements) or of
 * an extended-protocol batch (up to `Sync`).
 *
 * The relay predicts the session's state from what the client sends, so that a pipelined batch is
 * judged in order; {@link TransactionRules.settle} puts it right from the server's own answer
 * whenever nothing is in flight.
 *
 * @example
 * ```ts
 * const rules = new TransactionRules({ relaxed: new Set(), ageLimitMs: 300_000 })
 * rules.admit({ class: 'ddl' }, Date.now()) // undefined: allowed
 * rules.admit({ class: 'dml' }, Date.now()) // { rule: 'ddl-dml' }
 * ```
 */
export class TransactionRules {
  readonly #relaxed: ReadonlySet<string>
  readonly #ageLimitMs: number
  #explicit = false
  #ddl = 0
  #dml = false
  #startedAtMs: number | undefined

  constructor(options: { readonly relaxed: ReadonlySet<string>; readonly ageLimitMs: number }) {
    this.#relaxed = options.relaxed
    this.#ageLimitMs = options.ageLimitMs
  }

  /** Whether an explicit transaction block is open (as predicted). */
  get inBlock(): boolean {
    return this.#explicit
  }

  /** Whether a DDL statement was admitted in the transaction (as predicted). */
  get changedSchema(): boolean {
    return this.#ddl > 0
  }

  /**
   * Judges the next statement: returns the rule it breaks, or `undefined` after counting it in.
   * A refused statement is not counted.
   */
  admit(step: TransactionStep, nowMs: number): RuleHit | undefined {
    const kind = step.transactionKind ?? ''
    this.#startedAtMs ??= nowMs
    const aged = nowMs - this.#startedAtMs > this.#ageLimitMs && !this.#relaxed.has('age-limit')
    if (step.class === 'transaction') {
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
        this.#explicit = true
        return undefined
      }
      if (ends.has(kind)) {
        const inTransaction = this.#explicit
        if (aged && inTransaction && kind !== 'TRANS_STMT_ROLLBACK') return { rule: 'age-limit' }
        this.#reset()
        return undefined
      }
      return undefined
    }
    if (aged) return { rule: 'age-limit' }
    if (step.class === 'ddl') {
      if (this.#ddl > 0 && !this.#relaxed.has('ddl-multiple')) return { rule: 'ddl-multiple' }
      if (this.#dml && !this.#relaxed.has('ddl-dml')) return { rule: 'ddl-dml' }
      this.#ddl += 1
    } else if (step.class === 'dml') {
      if (this.#ddl > 0 && !this.#relaxed.has('ddl-dml')) return { rule: 'ddl-dml' }
      this.#dml = true
    }
    return undefined
  }

  /** The end of a simple query or of an extended-protocol batch (`Sync`). */
  endOfBatch(): void {
    if (!this.#explicit) this.#reset()
  }

  /** Corrects the prediction from the server's ReadyForQuery status when nothing is in flight. */
  settle(status: 'I' | 'T' | 'E'): void {
    if (status === 'I') this.#reset()
    else this.#explicit = true
  }

  #reset(): void {
    this.#explicit = false
    this.#ddl = 0
    this.#dml = false
    this.#startedAtMs = undefined
  }
}
