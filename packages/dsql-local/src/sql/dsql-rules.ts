/**
 * Aurora DSQL's SQL rules, one row each: what DSQL answers (SQLSTATE and exact text) and when the
 * answer was observed. Hold this table against `dsql-facts.md` line by line; a change in DSQL is a
 * one-row change here. Where a text has a `{}`, the offending name is put in its place.
 *
 * Which statements a rule applies to is decided in `check-statement.ts` (by parse-tree node) and
 * `transaction-rules.ts` (by what ran before in the transaction); limits are enforced by the backend
 * (`backend/limit-triggers.ts`) and the relay.
 */
export interface DsqlRule {
  /** Stable id: what `relaxRules` / `--relax` name. */
  readonly id: string
  /** SQLSTATE. */
  readonly code: string
  /** The exact text DSQL sends; `{}` stands for a name. */
  readonly message: string
  /**
   * When the text was observed on a real cluster (or read in the docs); `dsql-local` for the
   * stand-in's own answers, which DSQL's may differ from.
   */
  readonly observed: string
  /**
   * `high`: in `dsql-facts.md` as seen; `medium`: seen in one source only, or inferred from a
   * family of DSQL's texts; `own`: the stand-in's answer where DSQL's is not recorded.
   */
  readonly confidence: 'high' | 'medium' | 'own'
}

const rule = (
  id: string,
  code: string,
  message: string,
  observed = '2026-11',
  confidence: DsqlRule['confidence'] = 'high',
): DsqlRule => Object.freeze({ id, code, message, observed, confidence })

/** Every rule of the stand-in's DSQL dialect, grouped as in `dsql-facts.md`'s sections. */
export const dsqlRules = Object.freeze([
  // Transactions
  rule('isolation-level', '0A000', 'Unsupported isolation level: {}'),
  rule('set-transaction', '0A000', 'setting configuration parameter "TRANSACTION" not supported'),
  rule('set-parameter', '0A000', 'setting configuration parameter "{}" not supported'),
  rule('ddl-multiple', '0A000', 'multiple ddl statements not supported in a transaction'),
  rule('ddl-dml', '0A000', 'ddl and dml are not supported in the same transaction'),
  rule('row-limit', '54000', 'transaction row limit exceeded'),
  rule('size-limit', '54000', 'transaction size limit 10mb exceeded'),
  rule('age-limit', '54000', 'transaction age limit of 300s exceeded'),
  rule('savepoint', '0A000', 'unsupported transaction statement: {}'),
  // Refused statements
  rule('truncate', '0A000', 'unsupported statement: Truncate'),
  rule('create-extension', '0A000', 'unsupported statement: CreateExtension'),
  rule('create-database', '0A000', 'unsupported statement: Createdb'),
  rule('create-table-as', '0A000', 'unsupported statement: CreateTableAs'),
  rule('create-tablespace', '0A000', 'unsupported statement: CreateTableSpace'),
  rule('create-foreign-table', '0A000', 'unsupported statement: CreateForeignTable'),
  rule('listen', '0A000', 'unsupported statement: Listen'),
  rule('notify', '0A000', 'unsupported statement: Notify'),
  rule('unlisten', '0A000', 'unsupported statement: Unlisten'),
  rule('alter-system', '0A000', 'unsupported statement: AlterSystem'),
  rule('composite-type', '0A000', 'unsupported statement: CompositeType'),
  rule('create-range', '0A000', 'unsupported statement: CreateRange'),
  // DSQL has no PL/pgSQL; `DO` is refused like the other statements of this family (the text is
  // inferred from that family, not observed).
  rule('do-block', '0A000', 'unsupported statement: Do', 'inferred', 'medium'),
  rule('vacuum', '0A000', 'unsupported VACUUM statement'),
  rule('create-trigger', '0A000', 'CREATE TRIGGER not supported'),
  rule('create-type', '0A000', 'CREATE TYPE not supported'),
  rule('alter-type', '0A000', 'ALTER TYPE not supported'),
  rule('function-language', '0A000', 'CREATE FUNCTION with language {} not supported'),
  rule('temporary-table', '0A000', 'TEMPORARY or TEMP table not supported for CREATE TABLE'),
  rule('unlogged-table', '0A000', 'UNLOGGED table not supported for CREATE TABLE'),
  // Column types, sequences, identity
  rule('column-type', '0A000', 'datatype {} not supported'),
  rule('serial', '42704', 'type "{}" does not exist'),
  rule(
    'sequence-cache',
    '0A000',
    'CREATE SEQUENCE is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1',
  ),
  rule(
    'identity-cache',
    '0A000',
    'identity column is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1',
  ),
  rule('identity-type', '0A000', 'datatype {} not supported, identity column type must be bigint'),
  // Locking
  rule(
    'locking-clause',
    '0A000',
    'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported',
  ),
  // Indexes and jobs
  rule('index-async', '0A000', 'unsupported mode. please use CREATE INDEX ASYNC.'),
  // ALTER TABLE
  rule('alter-add-column', '0A000', 'ALTER TABLE ADD COLUMN with constraint not supported'),
  rule(
    'alter-column-type',
    '0A000',
    'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement',
  ),
  rule('alter-add-constraint', '0A000', 'unsupported ALTER TABLE ADD CONSTRAINT statement'),
  rule(
    'alter-validate-constraint',
    '0A000',
    'unsupported ALTER TABLE VALIDATE CONSTRAINT statement',
  ),
  // Other objects
  // DSQL has no advisory locks. The backend revokes them (`backend/setup-database.ts`), so this is
  // PostgreSQL's own text; DSQL's answer is not recorded (it may say the function does not exist).
  rule('advisory-lock', '42501', 'permission denied for function {}', 'dsql-local', 'own'),
  // Checked by the backend (`backend/checked-ddl-sql.ts`): it needs the catalog.
  rule('drop-primary-key-column', '0A000', 'cannot drop primary key column {}'),
  rule('rename-object', '0A000', 'unsupported object in RENAME statement'),
  rule('drop-object', '0A000', 'unsupported object in DROP statement'),
  // The stand-in's own: text its WebAssembly parser cannot take (nesting deeper than its stack) is
  // refused rather than passed on unchecked. Not a DSQL answer.
  rule(
    'too-complex',
    '54001',
    'statement too complex for dsql-local to check',
    'dsql-local',
    'own',
  ),
])

/**
 * Rules `relaxRules` cannot switch off: `create-extension` is also the backend's own defence (an
 * event trigger: PostgreSQL would let `admin` install trusted extensions), `too-complex` guards
 * statements the parser could not read.
 */
export const fixedRuleIds: ReadonlySet<string> = new Set(['create-extension', 'too-complex'])

/** The ids of {@link dsqlRules}, for checking `relaxRules`. */
export const ruleIds: ReadonlySet<string> = new Set(dsqlRules.map((row) => row.id))

const byId = new Map(dsqlRules.map((row) => [row.id, row]))

/** The rule with this id; throws on an unknown id (a typo in the stand-in itself). */
export function dsqlRule(id: string): DsqlRule {
  const found = byId.get(id)
  if (found === undefined) throw new Error(`no DSQL rule "${id}"`)
  return found
}
