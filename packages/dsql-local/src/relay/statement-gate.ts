import type { DsqlLocalLogger } from '../logger.ts'
import { checkStatement, type RuleHit } from '../sql/check-statement.ts'
import { dsqlRule } from '../sql/dsql-rules.ts'
import { type ParsedSql, type ParsedStatement, parseSql } from '../sql/parse-sql.ts'
import { TransactionRules, type TransactionStep } from '../sql/transaction-rules.ts'
import { cstring, type ErrorFields, typedMessage } from '../wire/pg-messages.ts'
import { type Expectation, ResponseTracker } from './response-tracker.ts'

/** How one session's statements are judged. */
export interface StatementGateOptions {
  /** `dsql`: DSQL's rules; `postgres`: only DSQL's own syntax is translated. */
  readonly dialect: 'dsql' | 'postgres'
  /** Rule ids switched off. */
  readonly relaxed: ReadonlySet<string>
  readonly ageLimitMs: number
  readonly logger: DsqlLocalLogger
  /** Who the session is, for the log (already quoted). */
  readonly who: string
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
 * and protocol state stay PostgreSQL's own. Statements written in DSQL-only syntax
 * (`CREATE INDEX ASYNC`, `ALTER TABLE ASYNC`, `AWS IAM GRANT`) are translated for the backend.
 *
 * @example
 * ```ts
 * const gate = new StatementGate({ dialect: 'dsql', relaxed: new Set(), ageLimitMs: 300_000, logger, who: '"admin"' })
 * backend.write(gate.fromClient(wholeQueryMessage))
 * client.write(gate.fromBackend(wholeCommandComplete))
 * ```
 */
export class StatementGate {
  readonly #options: StatementGateOptions
  readonly #strict: boolean
  readonly #tracker = new ResponseTracker()
  readonly #rules: TransactionRules
  readonly #statements = new Map<string, Prepared>()
  readonly #portals = new Map<string, Prepared>()

  constructor(options: StatementGateOptions) {
    this.#options = options
    this.#strict = options.dialect === 'dsql'
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
    const type = String.fromCharCode(message[0] ?? 0)
    const body = message.subarray(5)
    if (!this.#strict) return type === 'Q' || type === 'P' ? translateOnly(message) : message
    switch (type) {
      case 'Q':
        return this.#query(message, body)
      case 'P':
        return this.#parse(message, body)
      case 'B': {
        const [portal, statement] = cstrings(body, 2)
        this.#remember(this.#portals, portal, this.#statements.get(statement))
        return message
      }
      case 'E': {
        const prepared = this.#portals.get(cstrings(body, 1)[0])
        const hit = prepared && this.#rules.admit(prepared.step, Date.now())
        if (hit) {
          this.#tracker.sent([{}], false)
          return parseMessage('', this.#refuse(hit, prepared?.step.class ?? 'statement'))
        }
        this.#tracker.sent([{ tag: prepared?.tag }], false)
        return message
      }
      case 'S':
        this.#tracker.sent([], true)
        this.#rules.endOfBatch()
        return message
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
    if (status !== undefined && this.#tracker.idle) this.#rules.settle(status)
    return forward
  }

  #query(message: Buffer, body: Buffer): Buffer {
    const sql = body.toString('utf8', 0, Math.max(0, body.length - 1))
    const parsed = parseSql(sql)
    if (parsed.statements.length === 0) {
      this.#tracker.sent([{}], true)
      this.#rules.endOfBatch()
      return typedMessage('Q', cstring(parsed.text))
    }
    const expectations: Expectation[] = []
    let text = ''
    let from = 0
    for (const statement of parsed.statements) {
      text += parsed.text.slice(from, statement.start)
      from = statement.end
      const step = stepOf(statement)
      const hit = this.#statementHit(statement) ?? this.#rules.admit(step, Date.now())
      if (hit === undefined) {
        const { sql: forwarded, tag } = backendForm(parsed, statement)
        text += forwarded
        expectations.push({ tag })
        continue
      }
      const refusal = this.#refuse(hit, statement.type, parsed.text.slice(statement.start, from))
      if (hit.rule === 'age-limit' && step.class === 'transaction') {
        // The too-old transaction ends here, as at DSQL's failed COMMIT.
        text += `ROLLBACK; ${refusal}`
        expectations.push({ drop: true }, {})
        this.#rules.settle('I')
      } else {
        text += refusal
        expectations.push({})
      }
      break
    }
    if (from === parsed.statements.at(-1)?.end) text += parsed.text.slice(from)
    this.#tracker.sent(expectations, true)
    this.#rules.endOfBatch()
    return text === sql ? message : typedMessage('Q', cstring(text))
  }

  #parse(message: Buffer, body: Buffer): Buffer {
    const [name, sql, rest] = cstrings(body, 2)
    const parsed = parseSql(sql)
    const statement = parsed.statements.length === 1 ? parsed.statements[0] : undefined
    if (statement === undefined) {
      this.#statements.delete(name)
      return parseMessage(name, parsed.text, rest)
    }
    const hit = this.#statementHit(statement)
    if (hit) {
      this.#statements.delete(name)
      return parseMessage(name, this.#refuse(hit, statement.type, sql))
    }
    const { sql: forwarded, tag } = backendForm(parsed, statement)
    this.#remember(this.#statements, name, { step: stepOf(statement), tag })
    // Most statements go to PostgreSQL as the client wrote them: no new message then.
    if (statement.syntax === undefined && parsed.text === sql) return message
    return parseMessage(name, forwarded, rest)
  }

  #statementHit(statement: ParsedStatement): RuleHit | undefined {
    const { hit } = checkStatement(statement)
    return hit && !this.#options.relaxed.has(hit.rule) ? hit : undefined
  }

  /** Logs the refusal and returns the statement that makes PostgreSQL fail in its place. */
  #refuse(hit: RuleHit, kind: string, sql = ''): string {
    const rule = dsqlRule(hit.rule)
    const fields: ErrorFields = {
      severity: 'ERROR',
      code: rule.code,
      message: rule.message.replace('{}', hit.name ?? ''),
    }
    this.#options.logger.warn(
      `refused a statement of ${this.#options.who} by rule "${rule.id}" (${fields.code} ${fields.message}): ${kind}${sql ? ` ${JSON.stringify(masked(sql))}` : ''}`,
    )
    return this.#tracker.refusal(fields)
  }

  #remember(map: Map<string, Prepared>, name: string, prepared: Prepared | undefined): void {
    if (prepared === undefined) map.delete(name)
    else map.set(name, prepared)
  }
}

function stepOf(statement: ParsedStatement): TransactionStep {
  const { class: cls } = checkStatement(statement)
  return cls === 'transaction'
    ? { class: cls, transactionKind: String(statement.node.kind) }
    : { class: cls }
}

/** What PostgreSQL runs for an allowed statement, and the command tag DSQL would answer. */
function backendForm(parsed: ParsedSql, statement: ParsedStatement): { sql: string; tag?: string } {
  const sql = parsed.text.slice(statement.start, statement.end)
  if (statement.syntax === 'index-async') {
    const relation = (statement.node.relation ?? {}) as { schemaname?: string; relname?: string }
    const table = [relation.schemaname, relation.relname].filter(Boolean).map(quoteIdent).join('.')
    return {
      sql: `SELECT sys.create_index_async(${dollarQuote(sql)}, ${dollarQuote(table)}) AS job_id`,
      tag: 'CREATE INDEX',
    }
  }
  if (statement.syntax === 'alter-table-async') {
    return {
      sql: `SELECT sys.validate_constraint_async(${dollarQuote(sql)}) AS job_id`,
      tag: 'ALTER TABLE',
    }
  }
  return { sql }
}

/** `postgres` dialect: only DSQL-only syntax is translated, nothing is checked. */
function translateOnly(message: Buffer): Buffer {
  if (!/async|iam/i.test(message.toString('latin1'))) return message
  const body = message.subarray(5)
  if (message[0] === 0x51 /* Q */) {
    const parsed = parseSql(body.toString('utf8', 0, body.length - 1))
    let text = ''
    let from = 0
    for (const statement of parsed.statements) {
      text += parsed.text.slice(from, statement.start) + backendForm(parsed, statement).sql
      from = statement.end
    }
    return typedMessage('Q', cstring(text + parsed.text.slice(from)))
  }
  const [name, sql, rest] = cstrings(body, 2)
  const parsed = parseSql(sql)
  const statement = parsed.statements.length === 1 ? parsed.statements[0] : undefined
  if (statement === undefined) return parseMessage(name, parsed.text, rest)
  return parseMessage(name, backendForm(parsed, statement).sql, rest)
}

function parseMessage(name: string, sql: string, rest: Buffer = Buffer.from([0, 0])): Buffer {
  return typedMessage('P', Buffer.concat([cstring(name), cstring(sql), rest]))
}

/** The first `count` NUL-terminated strings of `body`, then the rest. */
function cstrings(body: Buffer, count: number): [string, string, Buffer] {
  const out: string[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, offset)
    if (end < 0) break
    out.push(body.toString('utf8', offset, end))
    offset = end + 1
  }
  return [out[0] ?? '', out[1] ?? '', body.subarray(offset)]
}

function quoteIdent(name: string | undefined): string {
  return `"${(name ?? '').replaceAll('"', '""')}"`
}

function dollarQuote(text: string): string {
  let tag = 'dsql'
  while (text.includes(`$${tag}$`)) tag += '_'
  return `$${tag}$${text}$${tag}$`
}

/** Statement text for the log: string literals (passwords, data) replaced by `'…'`, cut short. */
function masked(sql: string): string {
  const text = sql
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > 160 ? `${text.slice(0, 160)}…` : text
}
