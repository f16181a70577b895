import { backendForm } from '../sql/backend-form.ts'
import { type ParsedSql, type ParsedStatement, parseSql } from '../sql/parse-sql.ts'
import { cstring, typedMessage } from '../wire/pg-messages.ts'
import { cstrings, parseMessage } from './protocol-fields.ts'

/**
 * The `postgres` dialect's handling of a whole `Query` or `Parse` message: nothing is checked, only
 * DSQL-only syntax (`CREATE INDEX ASYNC`, `ALTER TABLE ASYNC`, `AWS IAM GRANT`) is translated so that
 * it still works. Messages without such words pass as they are. `internalKey` is passed to the
 * stand-in's functions that do the work.
 *
 * @example
 * ```ts
 * backend.write(translateOnly(queryMessage, internalKey))
 * ```
 */
export function translateOnly(message: Buffer, internalKey: string): Buffer {
  if (!/async|iam/i.test(message.toString('latin1'))) return message
  const body = message.subarray(5)
  if (message[0] === 0x51 /* Q */) {
    const parsed = parseSql(body.toString('utf8', 0, body.length - 1))
    let text = ''
    let from = 0
    for (const statement of parsed.statements) {
      text += parsed.text.slice(from, statement.start) + translated(parsed, statement, internalKey)
      from = statement.end
    }
    return typedMessage('Q', cstring(text + parsed.text.slice(from)))
  }
  const [name, sql, rest] = cstrings(body, 2)
  const parsed = parseSql(sql)
  const statement = parsed.statements.length === 1 ? parsed.statements[0] : undefined
  if (statement === undefined) return parseMessage(name, parsed.text, rest)
  return parseMessage(name, translated(parsed, statement, internalKey), rest)
}

/** The statement itself, or its backend form when it is written in DSQL-only syntax. */
function translated(parsed: ParsedSql, statement: ParsedStatement, internalKey: string): string {
  return statement.syntax === undefined
    ? parsed.text.slice(statement.start, statement.end)
    : backendForm(parsed, statement, { internalKey, relaxed: new Set() }).sql
}
