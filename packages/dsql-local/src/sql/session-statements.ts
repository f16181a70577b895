import { checkStatement, innerStatement, type StatementCheck } from './check-statement.ts'
import type { ParsedStatement } from './parse-sql.ts'
import type { TransactionStep } from './transaction-rules.ts'

/**
 * What one session's statements are for the transaction rules, with what the session prepared at
 * the SQL level: `EXECUTE name` is judged as the statement `PREPARE name AS ...` holds (an INSERT
 * is DML whether it runs directly or through `EXECUTE`). A parse tree the checks cannot read is
 * reported to `onError` and judged as neither DDL nor DML, leaving the verdict to PostgreSQL.
 *
 * @example
 * ```ts
 * const steps = new SessionStatements((error) => logger.error(String(error)))
 * steps.ran(prepareStatement)
 * steps.stepOf(executeStatement) // { class: 'dml' }
 * ```
 */
export class SessionStatements {
  readonly #prepared = new Map<string, TransactionStep>()
  readonly #onError: (error: unknown, statement: ParsedStatement) => void

  constructor(onError: (error: unknown, statement: ParsedStatement) => void) {
    this.#onError = onError
  }

  /** {@link checkStatement}, never throwing. */
  check(statement: ParsedStatement): StatementCheck {
    try {
      return checkStatement(statement)
    } catch (error) {
      this.#onError(error, statement)
      return { class: 'other', hit: undefined }
    }
  }

  /** The statement as a step of its transaction. */
  stepOf(statement: ParsedStatement): TransactionStep {
    if (statement.type === 'ExecuteStmt') {
      return this.#prepared.get(String(statement.node.name)) ?? { class: 'other' }
    }
    const { class: cls } = this.check(statement)
    return cls === 'transaction'
      ? { class: cls, transactionKind: String(statement.node.kind) }
      : { class: cls }
  }

  /** Follows `PREPARE` and `DEALLOCATE` of a statement that was let through. */
  ran(statement: ParsedStatement): void {
    const name = statement.node.name === undefined ? undefined : String(statement.node.name)
    if (statement.type === 'PrepareStmt' && name !== undefined) {
      const inner = innerStatement(statement.node.query)
      if (inner) this.#prepared.set(name, this.stepOf(inner))
    } else if (statement.type === 'DeallocateStmt') {
      if (name === undefined) this.#prepared.clear()
      else this.#prepared.delete(name)
    }
  }
}
