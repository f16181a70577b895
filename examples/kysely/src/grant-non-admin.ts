import { withRetry } from 'dsql-auth'
import { type Kysely, sql } from 'kysely'
import type { Database } from './database.ts'
import { NON_ADMIN_SCHEMA } from './db.ts'

/** A PostgreSQL role name that needs no quoting. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/
/** An IAM role or user ARN. */
const IAM_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(?:role|user)\/[\w+=,.@/-]{1,512}$/

/** Who {@link grantNonAdmin} sets up. */
export interface NonAdminGrant {
  /** The database role to create, e.g. `example`. */
  readonly role: string
  /** The IAM role (or user) whose tokens may log in as `role`. */
  readonly iamArn: string
}

/**
 * Run as `admin`: creates the login role unless it exists, lets the IAM principal log in as it
 * (`AWS IAM GRANT`), and gives it a schema of its own to create tables in. Each statement runs on its
 * own (DSQL allows one DDL statement per transaction) and is retried if a concurrent schema change
 * conflicts with it. Safe to run again.
 *
 * @throws {TypeError} for a role name or ARN that could not be used safely in the statements.
 */
export async function grantNonAdmin(
  db: Kysely<Database>,
  { role, iamArn }: NonAdminGrant,
): Promise<void> {
  if (!ROLE_NAME.test(role))
    throw new TypeError(`role must be a lower-case identifier such as "example", got "${role}"`)
  if (!IAM_ARN.test(iamArn)) {
    throw new TypeError(
      `IAM principal must be an ARN such as "arn:aws:iam::111122223333:role/app", got "${iamArn}"`,
    )
  }
  // Identifiers and the ARN were checked above; DDL takes no bind parameters.
  const run = (text: string) => withRetry(() => sql.raw(text).execute(db))

  const existing = await sql`select 1 from pg_roles where rolname = ${role}`.execute(db)
  if (existing.rows.length === 0) await run(`create role ${role} with login`)
  await run(`aws iam grant ${role} to '${iamArn}'`)
  await run(`create schema if not exists ${NON_ADMIN_SCHEMA}`)
  await run(`grant usage, create on schema ${NON_ADMIN_SCHEMA} to ${role}`)
}
