import { conflictErrors } from '../occ/conflict-errors.ts'
import { backendForm } from '../sql/backend-form.ts'
import type { RuleHit } from '../sql/check-statement.ts'
import { type ParsedStatement, parseSql } from '../sql/parse-sql.ts'
import { SessionStatements } from '../sql/session-statements.ts'
import { isCommit, type TransactionRules, type TransactionStep } from '../sql/transaction-rules.ts'
import { cstring, typedMessage } from '../wire/pg-messages.ts'
import { cstrings, parseMessage } from './protocol-fields.ts'
import { refuseStatement } from './refuse-statement.ts'
import type { Expectation, ResponseTracker } from './response-tracker.ts'
import { SessionState, type SessionStateOptions } from './session-state.ts'
import { translateOnly } from './translate-only.ts'

/** How one session's statements are judged (and its transaction followed, see {@link SessionState}). */
export interface StatementGateOptions extends SessionStateOptions {
  /** `dsql`: DSQL's rules; `postgres`: only DSQL's own syntax is translated. */
  readonly dialect: 'dsql' | 'postgres'
  /** Proves to the stand-in's own functions in `sys` that the relay calls them. */
  readonly internalKey: string
}

/** What the relay knows of a prepared statement or a portal. */
interface Prepared {
  readonly step: TransactionStep
  readonly tag?: string
}

const clientTypes = new Set(['Q', 'P', 'B', 'E', 'S', 'C'])
const backendTypes = new Set(['C', 'I', 's', 'E', 'Z'])

/**
 * Applies DSQL's SQL dialect to one relayed session. Client `Query` and `Parse` messages are
 * parsed with PostgreSQL's own parser; a statement DSQL refuses is replaced by one that fails in
 * PostgreSQL, and PostgreSQL's error by DSQL's (see {@link ResponseTracker}), so the transaction
 * and protocol state stay PostgreSQL's own. Transaction rules are judged when a statement runs:
 * in a simple query statement by statement, in the extended protocol at `Execute` (also for
 * statements prepared earlier, and for SQL-level `PREPARE` / `EXECUTE`). Statements written in
 * DSQL-only syntax (`CREATE INDEX ASYNC`, `ALTER TABLE ASYNC`, `AWS IAM GRANT`) are translated.
 *
 * @example
 * ```ts
 * const gate = new StatementGate({ dialect: 'dsql', relaxed: new Set(), ageLimitMs: 300_000, internalKey, logger, who: '"admin"', role: 'admin', sessionId })
 * backend.write(gate.fromClient(wholeQueryMessage))
 * client.write(gate.fromBackend(wholeCommandComplete))
 * ```
 */
export class StatementGate {
  readonly #options: StatementGateOptions
  readonly #strict: boolean
  /** The session's transaction and what is in flight, shared with its lock referee. */
  readonly state: SessionState
  readonly #tracker: ResponseTracker
  readonly #rules: TransactionRules
  /** Protocol-level prepared statements and portals. */
  readonly #statements = new Map<string, Prepared>()
  readonly #portals = new Map<string, Prepared>()
  readonly #steps: SessionStatements
  /** A COMMIT failed in this extended-protocol batch: end the transaction after its `Sync`. */
  #rollbackAtSync = false

  constructor(options: StatementGateOptions) {
    this.#options = options
    this.#strict = options.dialect === 'dsql'
    this.#steps = new SessionStatements((error, statement) =>
      options.logger.error(
        `could not check a ${statement.type} statement (passed on unchecked): ${String(error)}`,
      ),
    )
    this.state = new SessionState(options)
    this.#tracker = this.state.tracker
    this.#rules = this.state.rules
  }

  /** Client message types the relay must hand over whole. */
  holdsClient(type: string): boolean {
    return this.#strict ? clientTypes.has(type) : type === 'Q' || type === 'P'
  }

  /** Server message types the relay must hand over whole. */
  holdsBackend(type: string): boolean {
    return this.#strict && backendTypes.has(type)
  }

  /** Takes one whole client message and returns what to send to PostgreSQL instead. */
  fromClient(message: Buffer): Buffer {
    const forward = this.#fromClient(message)
    this.state.noteBusy()
    return forward
  }

  #fromClient(message: Buffer): Buffer {
    const type = String.fromCharCode(message[0] ?? 0)
    const body = message.subarray(5)
    if (!this.#strict)
      return type === 'Q' || type === 'P'
        ? translateOnly(message, this.#options.internalKey)
        : message
    switch (type) {
      case 'Q':
        return this.#query(message, body)
      case 'P':
        return this.#parse(message, body)
      case 'B': {
        const [portal, name] = cstrings(body, 2)
        const prepared = this.#statements.get(name)
        if (prepared === undefined) this.#portals.delete(portal)
        else this.#portals.set(portal, prepared)
        return message
      }
      case 'E':
        return this.#execute(message, body)
      case 'S':
        return this.#sync(message)
      case 'C': {
        const name = cstrings(body.subarray(1), 1)[0]
        if (body[0] === 0x53 /* S */) this.#statements.delete(name)
        else this.#portals.delete(name)
        return message
      }
      default:
        return message
    }
  }

  /** Takes one whole server message and returns what to send to the client instead. */
  fromBackend(message: Buffer): Buffer {
    return this.state.fromBackend(message)
  }

  #query(message: Buffer, body: Buffer): Buffer {
    const sql = body.toString('utf8', 0, Math.max(0, body.length - 1))
    const parsed = parseSql(sql)
    if (parsed.statements.length === 0) {
      const text = parsed.error === 'too-complex' ? this.#tooComplex('Query', sql) : parsed.text
      this.#tracker.sent([{}], {})
      this.#rules.endOfBatch()
      return typedMessage('Q', cstring(text))
    }
    const expectations: Expectation[] = []
    let text = ''
    let from = 0
    let refused = false
    for (const statement of parsed.statements) {
      text += parsed.text.slice(from, statement.start)
      from = statement.end
      const step = this.#steps.stepOf(statement)
      const verdict = this.#verdict(step, this.#statementHit(statement), statement.type, () =>
        parsed.text.slice(statement.start, from),
      )
      if (verdict === undefined) {
        const { sql: forwarded, tag } = backendForm(parsed, statement, this.#options)
        text += forwarded
        expectations.push(expectationOf(step, tag))
        this.#steps.ran(statement)
        continue
      }
      const { refusal } = verdict
      if (verdict.endsTransaction) {
        // DSQL's failed COMMIT ends the transaction: roll it back, answer the refusal.
        text += `ROLLBACK; ${refusal}`
        expectations.push({ drop: true }, {})
        this.#rules.settle('I')
      } else {
        text += refusal
        expectations.push({})
      }
      // PostgreSQL runs nothing after the refusal: the rest of the text is not sent.
      refused = true
      break
    }
    if (!refused) text += parsed.text.slice(from)
    this.#tracker.sent(expectations, {})
    this.#rules.endOfBatch()
    return text === sql ? message : typedMessage('Q', cstring(text))
  }

  #parse(message: Buffer, body: Buffer): Buffer {
    const [name, sql, rest] = cstrings(body, 2)
    const parsed = parseSql(sql)
    // A failed Parse drops the unnamed statement; a named one that exists stays as it was.
    const failed = (text: string) => {
      if (name === '') this.#statements.delete(name)
      return parseMessage(name, text, text === parsed.text ? rest : undefined)
    }
    if (parsed.error === 'too-complex') return failed(this.#tooComplex('Parse', sql))
    const statement = parsed.statements.length === 1 ? parsed.statements[0] : undefined
    if (statement === undefined) return failed(parsed.text)
    const hit = this.#statementHit(statement)
    if (hit) return failed(this.#refuse(hit, statement.type, sql))
    const { sql: forwarded, tag } = backendForm(parsed, statement, this.#options)
    // PostgreSQL refuses to redefine an existing named statement (42P05) and keeps the old one.
    if (name === '' || !this.#statements.has(name)) {
      this.#statements.set(name, { step: this.#steps.stepOf(statement), tag })
    }
    this.#steps.ran(statement)
    // Most statements go to PostgreSQL as the client wrote them: no new message then.
    if (tag === undefined && parsed.text === sql) return message
    return parseMessage(name, forwarded, rest)
  }

  #execute(message: Buffer, body: Buffer): Buffer {
    const prepared = this.#portals.get(cstrings(body, 1)[0])
    const verdict = prepared && this.#verdict(prepared.step, undefined, prepared.step.class)
    if (prepared === undefined || verdict === undefined) {
      this.#tracker.sent([prepared ? expectationOf(prepared.step, prepared.tag) : {}])
      return message
    }
    this.#tracker.sent([{}])
    if (verdict.endsTransaction) this.#rollbackAtSync = true
    // PostgreSQL answers the failing Parse in this Execute's place and skips to Sync.
    return parseMessage('', verdict.refusal)
  }

  #sync(message: Buffer): Buffer {
    this.#rules.endOfBatch()
    if (!this.#rollbackAtSync) {
      this.#tracker.sent([], {})
      return message
    }
    // DSQL's failed COMMIT ends the transaction: the client sees it idle, the relay rolls back.
    this.#rollbackAtSync = false
    this.#tracker.sent([], { status: 'I' })
    this.#tracker.sent([{ drop: true }], { internal: true })
    this.#rules.settle('I')
    return Buffer.concat([message, typedMessage('Q', cstring('ROLLBACK'))])
  }

  /**
   * Judges a statement about to run: `undefined` when it runs, else the statement that fails in its
   * place and whether that ends the transaction (a COMMIT past the age limit, or one that an
   * injected conflict fails). `hit` is a rule the statement itself breaks.
   */
  #verdict(
    step: TransactionStep,
    hit: RuleHit | undefined,
    kind: string,
    sql = () => '',
  ): { refusal: string; endsTransaction: boolean } | undefined {
    const inBlock = this.#rules.inBlock
    const broken = hit ?? this.#rules.admit(step, Date.now())
    if (broken !== undefined) {
      const endsTransaction = broken.rule === 'age-limit' && step.class === 'transaction'
      return { refusal: this.#refuse(broken, kind, sql()), endsTransaction }
    }
    const code = isCommit(step) && inBlock ? this.state.injectedConflict() : undefined
    if (code === undefined) return undefined
    return { refusal: this.#tracker.refusal(conflictErrors[code]), endsTransaction: true }
  }

  #statementHit(statement: ParsedStatement): RuleHit | undefined {
    const { hit } = this.#steps.check(statement)
    return hit && !this.#options.relaxed.has(hit.rule) ? hit : undefined
  }

  #tooComplex(kind: string, sql: string): string {
    return this.#refuse({ rule: 'too-complex' }, kind, sql)
  }

  /** Logs the refusal and returns the statement that makes PostgreSQL fail in its place. */
  #refuse(hit: RuleHit, kind: string, sql = ''): string {
    return refuseStatement(this.#tracker, this.#options, { hit, kind, sql })
  }
}

/** What to expect of a statement's answer: its tag, and whether it commits or changes the schema. */
function expectationOf(step: TransactionStep, tag: string | undefined): Expectation {
  return { tag, commit: isCommit(step) || undefined, schema: step.class === 'ddl' || undefined }
}
