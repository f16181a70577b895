/**
 * One case per statement rule of `src/sql/dsql-rules.ts`: a statement DSQL refuses, its exact
 * answer, and the nearest form DSQL accepts. `{n}` in a statement is replaced by a number unique to
 * each run, so every case can run through several drivers against one cluster. Each case runs
 * after `setup` (the tables `dia_t{n}` and `dia_p{n}` exist).
 */
export interface DialectCase {
  readonly rule: string
  readonly refused: string
  readonly code: string
  readonly message: string
  /** The nearest accepted form, or `undefined` when there is none to try. */
  readonly allowed: string | undefined
}

/** Tables each case may use: `dia_t{n}` (uuid key, an int, a text, a jsonb) and `dia_p{n}`. */
export const dialectSetup = [
  'CREATE TABLE dia_p{n} (id uuid PRIMARY KEY DEFAULT gen_random_uuid())',
  'CREATE TABLE dia_t{n} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a int, b text, j jsonb, p uuid)',
  'CREATE ROLE dia_r{n}',
]

const unsupported = (kind: string) => `unsupported statement: ${kind}`

/** Every statement rule, with what DSQL answers and what it accepts instead. */
export const dialectCases: readonly DialectCase[] = [
  {
    rule: 'isolation-level',
    refused: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
    code: '0A000',
    message: 'Unsupported isolation level: SERIALIZABLE',
    allowed: 'BEGIN ISOLATION LEVEL REPEATABLE READ; COMMIT',
  },
  {
    rule: 'set-transaction',
    refused: 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
    code: '0A000',
    message: 'setting configuration parameter "TRANSACTION" not supported',
    allowed: undefined,
  },
  {
    rule: 'set-parameter',
    refused: 'SET statement_timeout = 1000',
    code: '0A000',
    message: 'setting configuration parameter "statement_timeout" not supported',
    allowed: 'SET search_path = public',
  },
  {
    rule: 'savepoint',
    refused: 'BEGIN; SAVEPOINT s; COMMIT',
    code: '0A000',
    message: 'unsupported transaction statement: SAVEPOINT',
    allowed: 'BEGIN; SELECT 1; COMMIT',
  },
  {
    rule: 'truncate',
    refused: 'TRUNCATE dia_t{n}',
    code: '0A000',
    message: unsupported('Truncate'),
    allowed: 'DELETE FROM dia_t{n}',
  },
  {
    rule: 'create-extension',
    refused: 'CREATE EXTENSION pgcrypto',
    code: '0A000',
    message: unsupported('CreateExtension'),
    allowed: 'SELECT gen_random_uuid()',
  },
  {
    rule: 'create-database',
    refused: 'CREATE DATABASE dia_db{n}',
    code: '0A000',
    message: unsupported('Createdb'),
    allowed: 'CREATE SCHEMA dia_s{n}',
  },
  {
    rule: 'create-table-as',
    refused: 'CREATE TABLE dia_c{n} AS SELECT * FROM dia_t{n}',
    code: '0A000',
    message: unsupported('CreateTableAs'),
    allowed: 'CREATE VIEW dia_v{n} AS SELECT * FROM dia_t{n}',
  },
  {
    rule: 'create-tablespace',
    refused: `CREATE TABLESPACE dia_ts{n} LOCATION '/tmp'`,
    code: '0A000',
    message: unsupported('CreateTableSpace'),
    allowed: undefined,
  },
  {
    rule: 'create-foreign-table',
    refused: 'CREATE FOREIGN TABLE dia_f{n} (a int) SERVER s',
    code: '0A000',
    message: unsupported('CreateForeignTable'),
    allowed: undefined,
  },
  {
    rule: 'listen',
    refused: 'LISTEN dia',
    code: '0A000',
    message: unsupported('Listen'),
    allowed: undefined,
  },
  {
    rule: 'notify',
    refused: 'NOTIFY dia',
    code: '0A000',
    message: unsupported('Notify'),
    allowed: undefined,
  },
  {
    rule: 'unlisten',
    refused: 'UNLISTEN *',
    code: '0A000',
    message: unsupported('Unlisten'),
    allowed: undefined,
  },
  {
    rule: 'alter-system',
    refused: `ALTER SYSTEM SET work_mem = '1GB'`,
    code: '0A000',
    message: unsupported('AlterSystem'),
    allowed: undefined,
  },
  {
    rule: 'composite-type',
    refused: 'CREATE TYPE dia_ct{n} AS (a int, b text)',
    code: '0A000',
    message: unsupported('CompositeType'),
    allowed: "CREATE DOMAIN dia_d{n} AS text CHECK (VALUE <> '')",
  },
  {
    rule: 'create-range',
    refused: 'CREATE TYPE dia_rt{n} AS RANGE (subtype = int4)',
    code: '0A000',
    message: unsupported('CreateRange'),
    allowed: undefined,
  },
  {
    rule: 'do-block',
    refused: 'DO $$ BEGIN DELETE FROM dia_t{n}; END $$',
    code: '0A000',
    message: 'unsupported statement: Do',
    allowed: 'DELETE FROM dia_t{n}',
  },
  {
    rule: 'vacuum',
    refused: 'VACUUM dia_t{n}',
    code: '0A000',
    message: 'unsupported VACUUM statement',
    allowed: 'ANALYZE dia_t{n}',
  },
  {
    rule: 'create-trigger',
    refused:
      'CREATE TRIGGER dia_tr{n} BEFORE INSERT ON dia_t{n} FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()',
    code: '0A000',
    message: 'CREATE TRIGGER not supported',
    allowed: undefined,
  },
  {
    rule: 'create-type',
    refused: `CREATE TYPE dia_e{n} AS ENUM ('a', 'b')`,
    code: '0A000',
    message: 'CREATE TYPE not supported',
    allowed: `CREATE TABLE dia_e{n} (state text CHECK (state IN ('a', 'b')))`,
  },
  {
    rule: 'alter-type',
    refused: `ALTER TYPE dia_e{n} ADD VALUE 'c'`,
    code: '0A000',
    message: 'ALTER TYPE not supported',
    allowed: undefined,
  },
  {
    rule: 'function-language',
    refused: 'CREATE FUNCTION dia_f{n}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$',
    code: '0A000',
    message: 'CREATE FUNCTION with language plpgsql not supported',
    allowed: 'CREATE FUNCTION dia_f{n}() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
  },
  {
    rule: 'temporary-table',
    refused: 'CREATE TEMPORARY TABLE dia_tmp{n} (a int)',
    code: '0A000',
    message: 'TEMPORARY or TEMP table not supported for CREATE TABLE',
    allowed: 'CREATE TABLE dia_tmp{n} (a int)',
  },
  {
    rule: 'unlogged-table',
    refused: 'CREATE UNLOGGED TABLE dia_u{n} (a int)',
    code: '0A000',
    message: 'UNLOGGED table not supported for CREATE TABLE',
    allowed: 'CREATE TABLE dia_u{n} (a int)',
  },
  {
    rule: 'column-type',
    refused: 'CREATE TABLE dia_m{n} (id uuid PRIMARY KEY, price money, tags text[])',
    code: '0A000',
    message: 'datatype money not supported',
    allowed: 'CREATE TABLE dia_m{n} (id uuid PRIMARY KEY, price numeric(12, 2), tags jsonb)',
  },
  {
    rule: 'serial',
    refused: 'CREATE TABLE dia_s{n} (id bigserial PRIMARY KEY)',
    code: '42704',
    message: 'type "bigserial" does not exist',
    allowed:
      'CREATE TABLE dia_s{n} (id bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 65536) PRIMARY KEY)',
  },
  {
    rule: 'sequence-cache',
    refused: 'CREATE SEQUENCE dia_q{n}',
    code: '0A000',
    message:
      'CREATE SEQUENCE is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1',
    allowed: 'CREATE SEQUENCE dia_q{n} CACHE 1',
  },
  {
    rule: 'identity-cache',
    refused: 'CREATE TABLE dia_i{n} (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 100))',
    code: '0A000',
    message:
      'identity column is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1',
    allowed: 'CREATE TABLE dia_i{n} (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 65536))',
  },
  {
    rule: 'identity-type',
    refused: 'CREATE TABLE dia_y{n} (id integer GENERATED ALWAYS AS IDENTITY (CACHE 1))',
    code: '0A000',
    message: 'datatype integer not supported, identity column type must be bigint',
    allowed: 'CREATE TABLE dia_y{n} (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1))',
  },
  {
    rule: 'locking-clause',
    refused: 'SELECT * FROM dia_t{n} FOR SHARE',
    code: '0A000',
    message: 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported',
    allowed: 'SELECT * FROM dia_t{n} FOR KEY SHARE',
  },
  {
    rule: 'index-async',
    refused: 'CREATE INDEX dia_ix{n} ON dia_t{n} (a)',
    code: '0A000',
    message: 'unsupported mode. please use CREATE INDEX ASYNC.',
    allowed: 'CREATE INDEX ASYNC dia_ix{n} ON dia_t{n} (a)',
  },
  {
    rule: 'alter-add-column',
    refused: 'ALTER TABLE dia_t{n} ADD COLUMN c int NOT NULL DEFAULT 0',
    code: '0A000',
    message: 'ALTER TABLE ADD COLUMN with constraint not supported',
    allowed: 'ALTER TABLE dia_t{n} ADD COLUMN c int',
  },
  {
    rule: 'alter-column-type',
    refused: 'ALTER TABLE dia_t{n} ALTER COLUMN a TYPE bigint',
    code: '0A000',
    message: 'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement',
    allowed: 'ALTER TABLE dia_t{n} RENAME COLUMN b TO b2',
  },
  {
    rule: 'alter-add-constraint',
    refused:
      'ALTER TABLE dia_t{n} ADD CONSTRAINT dia_fk{n} FOREIGN KEY (p) REFERENCES dia_p{n} (id)',
    code: '0A000',
    message: 'unsupported ALTER TABLE ADD CONSTRAINT statement',
    allowed:
      'ALTER TABLE dia_t{n} ADD CONSTRAINT dia_fk{n} FOREIGN KEY (p) REFERENCES dia_p{n} (id) NOT VALID',
  },
  {
    rule: 'alter-validate-constraint',
    refused: 'ALTER TABLE dia_t{n} VALIDATE CONSTRAINT dia_ck{n}',
    code: '0A000',
    message: 'unsupported ALTER TABLE VALIDATE CONSTRAINT statement',
    allowed: 'ALTER TABLE ASYNC dia_t{n} VALIDATE CONSTRAINT dia_ck{n}',
  },
  {
    rule: 'advisory-lock',
    refused: 'SELECT pg_advisory_xact_lock(42)',
    code: '42501',
    message: 'permission denied for function pg_advisory_xact_lock',
    allowed: undefined,
  },
  {
    rule: 'drop-primary-key-column',
    refused: 'ALTER TABLE dia_t{n} DROP COLUMN b, DROP COLUMN id',
    code: '0A000',
    message: 'cannot drop primary key column id',
    allowed: 'ALTER TABLE dia_t{n} DROP COLUMN b',
  },
  {
    rule: 'drop-object',
    refused: 'DROP TYPE IF EXISTS dia_nt{n}',
    code: '0A000',
    message: 'unsupported object in DROP statement',
    allowed: 'DROP DOMAIN IF EXISTS dia_nd{n}',
  },
  {
    rule: 'rename-object',
    refused: 'ALTER TYPE dia_nt{n} RENAME TO dia_nt2{n}',
    code: '0A000',
    message: 'unsupported object in RENAME statement',
    allowed: 'ALTER TABLE dia_p{n} RENAME TO dia_p2{n}',
  },
]

/** Setup that some cases need beyond {@link dialectSetup}, keyed by rule. */
export const caseSetup: Readonly<Record<string, readonly string[]>> = {
  'alter-validate-constraint': [
    'ALTER TABLE dia_t{n} ADD CONSTRAINT dia_ck{n} CHECK (a > 0) NOT VALID',
  ],
}
