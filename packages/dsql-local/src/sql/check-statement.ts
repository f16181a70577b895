import { constValue, defElems, walk } from './ast-nodes.ts'
import { alterTableHit, cacheAllowed, createTableHit, typeHit } from './check-table-statement.ts'
import type { AstNode, ParsedStatement } from './parse-sql.ts'

/**
 * What a statement is for DSQL's transaction rules: `ddl` (schema, roles, grants), `dml` (writes,
 * and reads that lock), `read`, `transaction` (BEGIN, COMMIT, ...), or `other` (SET, SHOW, CALL...).
 */
export type StatementClass = 'ddl' | 'dml' | 'read' | 'transaction' | 'other'

/** A rule a statement breaks: the rule id of `dsql-rules.ts` and the name for its `{}`. */
export interface RuleHit {
  readonly rule: string
  readonly name?: string
}

/** The verdict on one statement, before transaction rules. */
export interface StatementCheck {
  readonly class: StatementClass
  /** The first rule it breaks, if any. */
  readonly hit: RuleHit | undefined
}

/** Statements DSQL refuses whatever they say: parse-tree node → rule id. */
const refusedStatements: Readonly<Record<string, string>> = {
  TruncateStmt: 'truncate',
  CreateExtensionStmt: 'create-extension',
  AlterExtensionStmt: 'create-extension',
  CreatedbStmt: 'create-database',
  CreateTableAsStmt: 'create-table-as',
  CreateTableSpaceStmt: 'create-tablespace',
  CreateForeignTableStmt: 'create-foreign-table',
  ListenStmt: 'listen',
  NotifyStmt: 'notify',
  UnlistenStmt: 'unlisten',
  AlterSystemStmt: 'alter-system',
  CompositeTypeStmt: 'composite-type',
  CreateRangeStmt: 'create-range',
  CreateTrigStmt: 'create-trigger',
  CreateEventTrigStmt: 'create-trigger',
  CreateEnumStmt: 'create-type',
  AlterEnumStmt: 'alter-type',
  DoStmt: 'do-block',
}

/** Statements that neither change the schema nor write rows. */
const otherStatements: ReadonlySet<string> = new Set([
  'VariableSetStmt',
  'VariableShowStmt',
  'CallStmt',
  'DoStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'DiscardStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'CheckPointStmt',
  'LoadStmt',
  'ExplainStmt',
  'VacuumStmt',
  'LockStmt',
])

/**
 * Run-time settings DSQL refuses to `SET` (beyond `SET TRANSACTION`), as the parser names them.
 * DSQL names the parameter in its message as written in the parse tree (`"TRANSACTION"`).
 */
const refusedSettings: ReadonlySet<string> = new Set([
  'default_transaction_isolation',
  'transaction_isolation',
  'statement_timeout',
  'SESSION CHARACTERISTICS',
  // The stand-in's own: what `sys.current_session_id()` returns (injections match on it).
  'dsql_local.session_id',
])

const dmlStatements: ReadonlySet<string> = new Set([
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
])

/**
 * Classifies one parsed statement and checks it against the statement rules of
 * {@link dsqlRules} (transaction rules are {@link TransactionRules}'s).
 *
 * @example
 * ```ts
 * checkStatement(parseSql('create table t (id serial)')!.statements[0]!)
 * // => { class: 'ddl', hit: { rule: 'serial', name: 'serial' } }
 * ```
 */
export function checkStatement(statement: ParsedStatement): StatementCheck {
  // Parsed statements are cached by text, so each is judged once.
  let check = checks.get(statement)
  if (check === undefined) {
    check = uncachedCheck(statement)
    checks.set(statement, check)
  }
  return check
}

const checks = new WeakMap<ParsedStatement, StatementCheck>()

function uncachedCheck(statement: ParsedStatement): StatementCheck {
  const { type, node } = statement
  const cls = classify(statement)
  const refused = refusedStatements[type]
  if (refused !== undefined) return { class: cls, hit: { rule: refused } }
  return { class: cls, hit: findHit(statement) ?? lockingHit(node) }
}

function classify(statement: ParsedStatement): StatementClass {
  const { type, node, syntax } = statement
  if (syntax === 'iam-grant' || syntax === 'iam-revoke') return 'ddl'
  if (type === 'TransactionStmt') return 'transaction'
  if (dmlStatements.has(type)) return 'dml'
  if (type === 'CopyStmt') return node.is_from || hasWrite(node) ? 'dml' : 'read'
  if (type === 'ExplainStmt') {
    // EXPLAIN ANALYZE runs its statement; plain EXPLAIN only plans it.
    const analyze = defElems(node.options).some((option) => option.defname === 'analyze')
    const inner = innerStatement(node.query)
    return analyze && inner ? checkStatement(inner).class : 'read'
  }
  if (type === 'SelectStmt') {
    return node.intoClause !== undefined || hasWrite(node) || lockingStrengths(node).length > 0
      ? 'dml'
      : 'read'
  }
  if (otherStatements.has(type)) return 'other'
  return 'ddl'
}

/** The statement inside `EXPLAIN` or `PREPARE`, as a statement of its own. */
export function innerStatement(query: unknown): ParsedStatement | undefined {
  const [type, node] = Object.entries((query ?? {}) as AstNode)[0] ?? []
  if (type === undefined) return undefined
  return { type, node: node as AstNode, start: 0, end: 0, syntax: undefined }
}

function findHit(statement: ParsedStatement): RuleHit | undefined {
  const { type, node, syntax } = statement
  switch (type) {
    case 'ExplainStmt':
    case 'PrepareStmt': {
      const inner = innerStatement(node.query)
      return inner && checkStatement(inner).hit
    }
    case 'TransactionStmt':
      return transactionHit(node)
    case 'VariableSetStmt': {
      const name = String(node.name ?? '')
      if (name === 'TRANSACTION') return { rule: 'set-transaction' }
      return refusedSettings.has(name) ? { rule: 'set-parameter', name } : undefined
    }
    case 'VacuumStmt':
      return node.is_vacuumcmd ? { rule: 'vacuum' } : undefined
    case 'SelectStmt':
      return node.intoClause === undefined ? undefined : { rule: 'create-table-as' }
    case 'CreateStmt':
      return createTableHit(node)
    case 'CreateDomainStmt':
      return typeHit(node.typeName as AstNode | undefined)
    case 'CreateSeqStmt':
      return cacheAllowed(node.options) ? undefined : { rule: 'sequence-cache' }
    case 'IndexStmt':
      return syntax === 'index-async' && !node.concurrent ? undefined : { rule: 'index-async' }
    case 'AlterTableStmt':
      return alterTableHit(node, syntax === 'alter-table-async')
    case 'DefineStmt':
      return node.kind === 'OBJECT_TYPE' ? { rule: 'create-type' } : undefined
    case 'CreateFunctionStmt':
      return functionHit(node)
    case 'DropStmt':
      return node.removeType === 'OBJECT_TYPE' ? { rule: 'drop-object' } : undefined
    case 'RenameStmt':
      return node.renameType === 'OBJECT_TYPE' || node.renameType === 'OBJECT_ATTRIBUTE'
        ? { rule: 'rename-object' }
        : undefined
    default:
      return undefined
  }
}

function transactionHit(node: AstNode): RuleHit | undefined {
  const kind = String(node.kind)
  if (kind === 'TRANS_STMT_SAVEPOINT') return { rule: 'savepoint', name: 'SAVEPOINT' }
  if (kind === 'TRANS_STMT_RELEASE') return { rule: 'savepoint', name: 'RELEASE' }
  if (kind === 'TRANS_STMT_ROLLBACK_TO') return { rule: 'savepoint', name: 'ROLLBACK TO' }
  if (kind !== 'TRANS_STMT_BEGIN' && kind !== 'TRANS_STMT_START') return undefined
  for (const option of defElems(node.options)) {
    if (option.defname !== 'transaction_isolation') continue
    const level = String(constValue(option.arg) ?? '').toLowerCase()
    if (level !== 'repeatable read') return { rule: 'isolation-level', name: level.toUpperCase() }
  }
  return undefined
}

function functionHit(node: AstNode): RuleHit | undefined {
  const language = defElems(node.options).find((option) => option.defname === 'language')
  const name = String(constValue(language?.arg) ?? 'sql').toLowerCase()
  return name === 'sql' ? undefined : { rule: 'function-language', name }
}

/** The locking clauses DSQL takes. */
const allowedLocking: ReadonlySet<string> = new Set(['LCS_FORUPDATE', 'LCS_FORKEYSHARE'])

function lockingHit(node: AstNode): RuleHit | undefined {
  const refused = lockingStrengths(node).some((strength) => !allowedLocking.has(strength))
  return refused ? { rule: 'locking-clause' } : undefined
}

/** The strength of every locking clause below `node`, subqueries included. */
function lockingStrengths(node: AstNode): string[] {
  const strengths: string[] = []
  walk(node, (key, value) => {
    if (key === 'LockingClause') strengths.push(String((value as AstNode).strength))
  })
  return strengths
}

/** A data-modifying CTE (`WITH x AS (INSERT ...) SELECT ...`). */
function hasWrite(node: AstNode): boolean {
  let found = false
  walk(node, (key) => {
    if (dmlStatements.has(key)) found = true
  })
  return found
}
