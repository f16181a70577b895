import type { DsqlLocalLogger } from '../logger.ts'
import { type ConflictCode, conflictErrors } from '../occ/conflict-errors.ts'
import type { ConflictInjections } from '../occ/conflict-injections.ts'
import { backendForm } from '../sql/backend-form.ts'
import type { RuleHit } from '../sql/check-statement.ts'
import { dsqlRule } from '../sql/dsql-rules.ts'
import { maskLiterals } from '../sql/dsql-syntax.ts'
import { type ParsedStatement, parseSql } from '../sql/parse-sql.ts'
import { SessionStatements } from '../sql/session-statements.ts'
import { TransactionRules, type TransactionStep } from '../sql/transaction-rules.ts'
import { cstring, type ErrorFields, typedMessage } from '../wire/pg-messages.ts'
import { cstrings, parseMessage } from './protocol-fields.ts'
import { type Expectation, ResponseTracker } from './response-tracker.ts'
import { translateOnly } from './translate-only.ts'

/** How one session's statements are judged. */
export interface StatementGateOptions {
  /** `dsql`: DSQL's rules; `postgres`: only DSQL's own syntax is translated. */
  readonly dialect: 'dsql' | 'postgres'
  /** Rule ids switched off. */
  readonly relaxed: ReadonlySet<string>
  readonly ageLimitMs: number
  /** Proves to the stand-in's own functions in `sys` that the relay calls them. */
  readonly internalKey: string
  readonly logger: DsqlLocalLogger
  /** Who the session is, for the log (already quoted). */
  readonly who: string
  /** The role the session logged in as, and its `sys.current_session_id()`: for injections. */
  readonly role: string
  readonly sessionId: string
  /** Conflicts to inject into COMMITs (see {@link ConflictInjections}). */
  readonly injections?: ConflictInjections
  /** Told when the session starts having something in flight (`true`) and when it stops. */
  readonly onBusyChange?: (busy: boolean) => void
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
 * const gate = new StatementGate({ dialect: 'dsql', relaxed: new Set(), ageLimitMs: 300_000, internalKey, logger, who: '"admin"' })
 * backend.write(gate.fromClient(wholeQueryMessage))
 * client.write(gate.fromBackend(wholeCommandComplete))
 * ```
 */
export class StatementGate {
  readonly #options: StatementGateOptions
  readonly #strict: boolean
  readonly #tracker = new ResponseTracker()
  readonly #rules: TransactionRules
  /** Protocol-level prepared statements and portals. */
  readonly #statements = new Map<string, Prepared>()
  readonly #portals = new Map<string, Prepared>()
  readonly #steps: SessionStatements
  /** A COMMIT failed in this extended-protocol batch: end the transaction after its `Sync`. */
  #rollbackAtSync = false
  #busy = false
  #serial = 0
  #status: 'I' | 'T' | 'E' = 'I'

  constructor(options: StatementGateOptions) {
    this.#options = options
    this.#strict = options.dialect === 'dsql'
    this.#steps = new SessionStatements((error, statement) =>
      options.logger.error(
        `could not check a ${statement.type} statement (passed on unchecked): ${String(error)}`,
      ),
    )
    this.#rules = new TransactionRules({
      relaxed: options.relaxed,
      ageLimitMs: options.ageLimitMs,
    })
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
    this.#noteBusy()
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
    const { forward, status } = this.#tracker.fromBackend(message)
    if (status !== undefined) {
      if (String.fromCharCode(message[5] ?? 0) === 'I') this.#serial += 1
      if (this.#tracker.idle) {
        this.#status = status
        this.#rules.settle(status)
      }
      this.#noteBusy()
    }
    return forward
  }

  /** Whether something sent to PostgreSQL is not answered yet. */
  get busy(): boolean {
    return !this.#tracker.idle
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
    return this.#tracker.awaits('commit')
  }

  /** Whether the transaction changes the schema: a DDL statement ran or runs in it. */
  get changingSchema(): boolean {
    return this.#rules.changedSchema || this.#tracker.awaits('schema')
  }

  /** Whether the session lost a conflict it has not been told of yet. */
  get doomed(): boolean {
    return this.#tracker.doomed
  }

  /**
   * The transaction lost a conflict: its statement in flight (once cancelled), its next statement,
   * or its COMMIT answers `code`'s error. The caller ends the transaction's locks, by cancelling
   * the statement in flight or, when idle, by sending {@link StatementGate.abortMessage}.
   */
  doom(code: ConflictCode): void {
    this.#tracker.doom(conflictErrors[code])
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
    this.#tracker.sent([{ drop: true }], { internal: true })
    this.#noteBusy()
    return typedMessage('Q', cstring('SELECT "dsql-local: the transaction lost a conflict"'))
  }

  #noteBusy(): void {
    const busy = !this.#tracker.idle
    if (busy === this.#busy) return
    this.#busy = busy
    this.#options.onBusyChange?.(busy)
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
      const inBlock = this.#rules.inBlock
      const hit = this.#statementHit(statement) ?? this.#rules.admit(step, Date.now())
      const injected = hit === undefined ? this.#injected(step, inBlock) : undefined
      if (hit === undefined && injected === undefined) {
        const { sql: forwarded, tag } = backendForm(parsed, statement, this.#options)
        text += forwarded
        expectations.push(expectationOf(step, tag))
        this.#steps.ran(statement)
        continue
      }
      const refusal =
        hit === undefined
          ? this.#tracker.refusal(conflictErrors[injected as ConflictCode])
          : this.#refuse(hit, statement.type, parsed.text.slice(statement.start, from))
      if (injected !== undefined || (hit?.rule === 'age-limit' && step.class === 'transaction')) {
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
    const inBlock = this.#rules.inBlock
    const hit = prepared && this.#rules.admit(prepared.step, Date.now())
    const injected =
      prepared && hit === undefined ? this.#injected(prepared.step, inBlock) : undefined
    if (prepared === undefined || (hit === undefined && injected === undefined)) {
      this.#tracker.sent([prepared ? expectationOf(prepared.step, prepared.tag) : {}])
      return message
    }
    const refusal =
      hit === undefined
        ? this.#tracker.refusal(conflictErrors[injected as ConflictCode])
        : this.#refuse(hit, prepared.step.class)
    this.#tracker.sent([{}])
    if (
      injected !== undefined ||
      (hit?.rule === 'age-limit' && prepared.step.class === 'transaction')
    ) {
      this.#rollbackAtSync = true
    }
    // PostgreSQL answers the failing Parse in this Execute's place and skips to Sync.
    return parseMessage('', refusal)
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
   * The conflict injected into this COMMIT, if it ends an open transaction and an injection
   * matches the session (a transaction that already lost a conflict fails anyway).
   */
  #injected(step: TransactionStep, inBlock: boolean): ConflictCode | undefined {
    const { injections } = this.#options
    if (injections === undefined || !inBlock || !isCommit(step) || this.#tracker.doomed) return
    if (this.#status === 'E') return undefined
    const code = injections.take({ role: this.#options.role, sessionId: this.#options.sessionId })
    if (code !== undefined) {
      this.#options.logger.info(
        `injected a conflict (${code}) into a COMMIT of ${this.#options.who}`,
      )
    }
    return code
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
    const rule = dsqlRule(hit.rule)
    const fields: ErrorFields = {
      severity: 'ERROR',
      code: rule.code,
      message: rule.message.replace('{}', hit.name ?? ''),
    }
    const shown = sql ? ` ${JSON.stringify(maskLiterals(sql))}` : ''
    this.#options.logger.warn(
      `refused a statement of ${this.#options.who} by rule "${rule.id}" (${fields.code} ${fields.message}): ${kind}${shown}`,
    )
    return this.#tracker.refusal(fields)
  }
}

function isCommit(step: TransactionStep): boolean {
  return step.class === 'transaction' && step.transactionKind === 'TRANS_STMT_COMMIT'
}

/** What to expect of a statement's answer: its tag, and whether it commits or changes the schema. */
function expectationOf(step: TransactionStep, tag: string | undefined): Expectation {
  return { tag, commit: isCommit(step) || undefined, schema: step.class === 'ddl' || undefined }
}
