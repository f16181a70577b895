import { nonAdminGrants, withRetry } from 'dsql-auth'
import type postgres from 'postgres'
import { NON_ADMIN_SCHEMA } from './db.ts'

/**
 * Run as `admin`: creates the login role unless it exists, lets the IAM principal log in as it
 * (`AWS IAM GRANT`), and gives it `myschema` to create tables in. Each statement runs on its own
 * (DSQL allows one DDL statement per transaction) and is retried if a concurrent schema change
 * conflicts with it. Safe to run again.
 *
 * @throws {DsqlConfigError} for a role name or ARN that cannot be used (from `dsql-auth`).
 */
export async function grantNonAdmin(
  sql: postgres.Sql,
  role: string,
  iamArn: string,
): Promise<void> {
  const { createRole, grants } = nonAdminGrants({ role, iamArn, schema: NON_ADMIN_SCHEMA })
  const existing = await sql`select 1 from pg_roles where rolname = ${role}`
  // DDL takes no parameters; nonAdminGrants checked every name that went into the text.
  for (const text of existing.count === 0 ? [createRole, ...grants] : grants) {
    await withRetry(() => sql.unsafe(text))
  }
}
