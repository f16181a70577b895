import { dsqlRule } from '../sql/dsql-rules.ts'
import { asyncJobsSql } from './async-jobs-sql.ts'
import { checkedDdlSql } from './checked-ddl-sql.ts'
import { internalKeySql } from './internal-key-sql.ts'
import { limitTriggersSql, type TransactionLimits } from './limit-triggers.ts'

/** The few methods of a `pg` client or pool that setting up the database needs. */
export interface SqlRunner {
  query(sql: string): Promise<unknown>
}

/** The backend refuses extensions with DSQL's text, also when the SQL gate is off. */
const createExtension = dsqlRule('create-extension')

/**
 * Idempotent SQL that turns a fresh PostgreSQL 16 database into DSQL's shape, run by the
 * stand-in's own bootstrap role:
 * - role `admin`: LOGIN, CREATEROLE, not a superuser; may create schemas and tables;
 * - schema `sys` with `sys.current_session_id()`;
 * - `sys.iam_pg_role_mappings`, the persisted `AWS IAM GRANT` mappings (readable by `admin`);
 * - procedures `sys.aws_iam_grant` / `sys.aws_iam_revoke`, which the TLS front calls in place of
 *   `AWS IAM GRANT` / `AWS IAM REVOKE`; they refuse any session user but `admin`;
 * - an event trigger that refuses `CREATE EXTENSION` (PostgreSQL would allow trusted ones);
 * - DSQL's transaction row and size limits (see {@link limitTriggersSql});
 * - no advisory locks (`pg_advisory_*` revoked from PUBLIC), unless `advisoryLocks`.
 */
const setupSql = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'admin') THEN
    CREATE ROLE admin WITH LOGIN CREATEROLE NOSUPERUSER;
  END IF;
END $$;
ALTER ROLE admin WITH LOGIN CREATEROLE NOSUPERUSER NOREPLICATION NOBYPASSRLS;
GRANT CREATE, CONNECT, TEMPORARY ON DATABASE :database TO admin;
GRANT USAGE, CREATE ON SCHEMA public TO admin;

CREATE SCHEMA IF NOT EXISTS sys;
REVOKE CREATE ON SCHEMA sys FROM PUBLIC;
GRANT USAGE ON SCHEMA sys TO PUBLIC;

CREATE OR REPLACE FUNCTION sys.current_session_id() RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED
AS $fn$
  SELECT coalesce(pg_catalog.current_setting('dsql_local.session_id', true), '')
$fn$;

CREATE TABLE IF NOT EXISTS sys.iam_pg_role_mappings (
  arn text NOT NULL,
  pg_role_name name NOT NULL,
  grantor_pg_role_name name NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pg_role_name, arn)
);
REVOKE ALL ON sys.iam_pg_role_mappings FROM PUBLIC;
GRANT SELECT ON sys.iam_pg_role_mappings TO admin;

CREATE OR REPLACE PROCEDURE sys.aws_iam_grant(role_name text, principal_arn text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF session_user <> 'admin' THEN
    RAISE EXCEPTION 'permission denied for AWS IAM GRANT' USING ERRCODE = '42501';
  END IF;
  IF principal_arn !~ '^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[^[:space:]]+$' THEN
    RAISE EXCEPTION 'invalid IAM ARN: %', principal_arn USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
    RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
  END IF;
  IF role_name = 'admin' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name AND rolsuper) THEN
    RAISE EXCEPTION 'cannot map an IAM principal to role "%"', role_name USING ERRCODE = '42501';
  END IF;
  INSERT INTO sys.iam_pg_role_mappings (arn, pg_role_name, grantor_pg_role_name)
  VALUES (principal_arn, role_name, session_user)
  ON CONFLICT DO NOTHING;
END
$fn$;

CREATE OR REPLACE PROCEDURE sys.aws_iam_revoke(role_name text, principal_arn text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF session_user <> 'admin' THEN
    RAISE EXCEPTION 'permission denied for AWS IAM REVOKE' USING ERRCODE = '42501';
  END IF;
  DELETE FROM sys.iam_pg_role_mappings WHERE pg_role_name = role_name AND arn = principal_arn;
END
$fn$;
-- PostgreSQL lets any role with CREATE on the database install trusted extensions; DSQL does not.
CREATE OR REPLACE FUNCTION sys.refuse_extensions() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION '${createExtension.message}' USING ERRCODE = '${createExtension.code}';
END
$fn$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'dsql_local_refuse_extensions') THEN
    CREATE EVENT TRIGGER dsql_local_refuse_extensions ON ddl_command_start
      WHEN TAG IN ('CREATE EXTENSION', 'ALTER EXTENSION')
      EXECUTE FUNCTION sys.refuse_extensions();
  END IF;
END $$;

REVOKE ALL ON PROCEDURE sys.aws_iam_grant(text, text), sys.aws_iam_revoke(text, text) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE sys.aws_iam_grant(text, text), sys.aws_iam_revoke(text, text) TO admin;
`

/** How the backend applies DSQL's dialect: what every backend passes on to {@link setupDatabase}. */
export interface DialectSetup {
  /** The transaction limits to enforce; a restart with other values replaces the previous ones. */
  readonly limits: TransactionLimits
  /** Whether `pg_advisory_*` may be called (DSQL has no advisory locks). */
  readonly advisoryLocks: boolean
  /** The relay's key to the stand-in's own functions in `sys` (see {@link internalKeySql}). */
  readonly internalKey: string
}

/** What {@link setupDatabase} sets up. */
export interface SetupOptions extends DialectSetup {
  /** The backend database that DSQL's single database `postgres` maps to. */
  readonly database: string
}

/** Takes PostgreSQL's advisory-lock functions from every role but superusers, or gives them back. */
function advisoryLocksSql(allowed: boolean): string {
  return `DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE '%advisory%' LOOP
    EXECUTE format('${allowed ? 'GRANT' : 'REVOKE'} EXECUTE ON FUNCTION %s ${allowed ? 'TO' : 'FROM'} PUBLIC', f);
  END LOOP;
END $$;`
}

/**
 * Runs the setup SQL in `database` (DSQL has one database, `postgres`). Safe to run on every start.
 *
 * @example
 * ```ts
 * await setupDatabase(pool, { database: 'postgres', ...dialect })
 * ```
 */
export async function setupDatabase(runner: SqlRunner, options: SetupOptions): Promise<void> {
  const quoted = `"${options.database.replaceAll('"', '""')}"`
  await runner.query(setupSql.replace(':database', quoted))
  await runner.query(internalKeySql(options.internalKey))
  await runner.query(asyncJobsSql)
  await runner.query(checkedDdlSql)
  await runner.query(limitTriggersSql(options.limits))
  await runner.query(advisoryLocksSql(options.advisoryLocks))
}

/**
 * Whether `arn` may log in as `role` with a `DbConnect` token: an `AWS IAM GRANT` mapping exists,
 * and the role can log in and is neither `admin` nor a superuser.
 */
export async function hasIamGrant(
  runner: { query(sql: string, values: unknown[]): Promise<{ rows: unknown[] }> },
  role: string,
  arn: string,
): Promise<boolean> {
  const result = await runner.query(
    `SELECT 1 FROM sys.iam_pg_role_mappings m JOIN pg_catalog.pg_roles r ON r.rolname = m.pg_role_name
     WHERE m.pg_role_name = $1 AND m.arn = $2 AND r.rolcanlogin AND NOT r.rolsuper AND r.rolname <> 'admin'`,
    [role, arn],
  )
  return result.rows.length > 0
}
