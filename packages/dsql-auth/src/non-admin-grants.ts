import { DsqlConfigError } from './errors.ts'
import { NOT_SHOWN } from './value-in-message.ts'

/** A PostgreSQL role or schema name that needs no quoting. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/
/** An IAM role or user ARN, in any partition. */
const IAM_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(?:role|user)\/[\w+=,.@/-]{1,512}$/

/** Who {@link nonAdminGrants} sets up. */
export interface NonAdminGrantOptions {
  /** The database role to create, e.g. `example`. */
  readonly role: string
  /** The IAM role (or user) whose `DbConnect` tokens may log in as `role`. */
  readonly iamArn: string
  /** The schema the role gets to create tables in, e.g. `myschema`. */
  readonly schema: string
}

/** The statements {@link nonAdminGrants} returns, to run as `admin`, each on its own. */
export interface NonAdminGrants {
  /** `CREATE ROLE <role> WITH LOGIN`: run it only when `pg_roles` has no such role yet. */
  readonly createRole: string
  /**
   * Then, in order: `AWS IAM GRANT <role> TO '<arn>'`, `CREATE SCHEMA IF NOT EXISTS <schema>`,
   * `GRANT USAGE, CREATE ON SCHEMA <schema> TO <role>`.
   */
  readonly grants: readonly string[]
}

/**
 * The SQL that lets an IAM principal log in to Aurora DSQL as a non-admin role with a schema of its
 * own. Aurora DSQL allows one DDL statement per transaction, so run each statement by itself (and
 * retry it on a conflict, since concurrent schema changes conflict with `OC001`). DDL takes no bind
 * parameters, so the names are checked here instead, before they go into the text.
 *
 * @throws {DsqlConfigError} naming each option whose value is not a plain identifier or an IAM ARN
 *   (the value itself is not shown).
 * @example
 * ```ts
 * const { createRole, grants } = nonAdminGrants({ role: 'example', iamArn, schema: 'myschema' })
 * const { rowCount } = await pool.query('select 1 from pg_roles where rolname = $1', ['example'])
 * for (const text of rowCount === 0 ? [createRole, ...grants] : grants) await withRetry(() => pool.query(text))
 * ```
 */
export function nonAdminGrants({ role, iamArn, schema }: NonAdminGrantOptions): NonAdminGrants {
  const problems = [
    IDENTIFIER.test(role)
      ? undefined
      : {
          variable: 'NON_ADMIN_ROLE',
          problem: `must be a lower-case identifier (letters, digits, _); the value is ${NOT_SHOWN}`,
          example: 'NON_ADMIN_ROLE=example',
        },
    IAM_ARN.test(iamArn)
      ? undefined
      : {
          variable: 'IAM_ROLE_ARN',
          problem: `must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); the value is ${NOT_SHOWN}`,
          example: 'IAM_ROLE_ARN=arn:aws:iam::111122223333:role/app',
        },
    IDENTIFIER.test(schema)
      ? undefined
      : {
          variable: 'schema',
          problem: `must be a lower-case identifier (letters, digits, _); the value is ${NOT_SHOWN}`,
          example: 'myschema',
        },
  ].filter((problem) => problem !== undefined)
  if (problems.length > 0) throw new DsqlConfigError(problems)
  return Object.freeze({
    createRole: `create role ${role} with login`,
    grants: Object.freeze([
      `aws iam grant ${role} to '${iamArn}'`,
      `create schema if not exists ${schema}`,
      `grant usage, create on schema ${schema} to ${role}`,
    ]),
  })
}
