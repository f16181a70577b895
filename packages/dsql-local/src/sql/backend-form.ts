import type { ParsedSql, ParsedStatement } from './parse-sql.ts'
import { dollarQuote, quoteIdent } from './quote-sql.ts'

/** What PostgreSQL runs for an allowed statement, and the command tag DSQL answers for it. */
export interface BackendForm {
  readonly sql: string
  /** DSQL's command tag, when PostgreSQL's would differ. */
  readonly tag?: string
}

/**
 * The PostgreSQL statement for one statement of `parsed`: itself, or for DSQL-only syntax a call of
 * the stand-in's function that does the work and answers DSQL's `job_id` row
 * (`CREATE INDEX ASYNC` → `sys.create_index_async`, `ALTER TABLE ASYNC ... VALIDATE CONSTRAINT` →
 * `sys.validate_constraint_async`); and `ALTER TABLE ... DROP COLUMN` → `sys.drop_columns_checked`,
 * which refuses primary-key columns as DSQL does (unless that rule is relaxed). Each takes `internalKey` first: without it they
 * refuse to run, so a client cannot call them to get past the rules. `AWS IAM GRANT` was already turned into a `CALL` by the parser step.
 *
 * @example
 * ```ts
 * backendForm(parsed, parsed.statements[0]!, { internalKey, relaxed: new Set() }) // { sql: 'SELECT sys.create_index_async(...) AS job_id', tag: 'CREATE INDEX' }
 * ```
 */
export function backendForm(
  parsed: ParsedSql,
  statement: ParsedStatement,
  options: { readonly internalKey: string; readonly relaxed: ReadonlySet<string> },
): BackendForm {
  const sql = parsed.text.slice(statement.start, statement.end)
  const key = dollarQuote(options.internalKey)
  if (statement.syntax === 'index-async') {
    const table = relationName(statement)
    return {
      sql: `SELECT sys.create_index_async(${key}, ${dollarQuote(sql)}, ${dollarQuote(table)}) AS job_id`,
      tag: 'CREATE INDEX',
    }
  }
  if (statement.syntax === 'alter-table-async') {
    return {
      sql: `SELECT sys.validate_constraint_async(${key}, ${dollarQuote(sql)}) AS job_id`,
      tag: 'ALTER TABLE',
    }
  }
  const dropped = options.relaxed.has('drop-primary-key-column') ? [] : droppedColumns(statement)
  if (dropped.length > 0) {
    const table = relationName(statement)
    const columns = `ARRAY[${dropped.map(dollarQuote).join(', ')}]::text[]`
    return {
      sql: `CALL sys.drop_columns_checked(${key}, ${dollarQuote(sql)}, ${dollarQuote(table)}, ${columns})`,
      tag: 'ALTER TABLE',
    }
  }
  return { sql }
}

/** The statement's table, quoted and schema-qualified as written. */
function relationName(statement: ParsedStatement): string {
  const relation = (statement.node.relation ?? {}) as { schemaname?: string; relname?: string }
  const parts = [relation.schemaname, relation.relname].filter((part) => part !== undefined)
  return parts.map(quoteIdent).join('.')
}

/** The columns an `ALTER TABLE ... DROP COLUMN` drops (DSQL refuses primary-key columns). */
function droppedColumns(statement: ParsedStatement): string[] {
  if (statement.type !== 'AlterTableStmt' || statement.node.objtype !== 'OBJECT_TABLE') return []
  const cmds = (statement.node.cmds ?? []) as {
    AlterTableCmd?: { subtype?: string; name?: string }
  }[]
  return cmds
    .map((cmd) => cmd.AlterTableCmd)
    .filter((cmd) => cmd?.subtype === 'AT_DropColumn' && cmd.name !== undefined)
    .map((cmd) => cmd?.name ?? '')
}
