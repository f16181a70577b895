/**
 * `pnpm setup:non-admin`: as `admin`, prepares the non-admin flow. Then run the example as that role:
 * `DB_USER=example pnpm start`, with the credentials of the IAM principal.
 *
 * Environment: the connection settings of `.env.example`, plus `NON_ADMIN_ROLE` (default `example`)
 * and `IAM_ROLE_ARN`, the IAM role whose tokens may log in as that role.
 */
import { loadConfig } from 'dsql-auth'
import { createDb } from './db.ts'
import { grantNonAdmin } from './grant-non-admin.ts'

try {
  const role = process.env.NON_ADMIN_ROLE || 'example'
  const iamArn = process.env.IAM_ROLE_ARN
  if (!iamArn)
    throw new Error(
      'IAM_ROLE_ARN is required, e.g. IAM_ROLE_ARN=arn:aws:iam::111122223333:role/app',
    )
  const db = createDb(loadConfig({ ...process.env, DB_USER: 'admin' }))
  try {
    await grantNonAdmin(db, role, iamArn)
    console.log(`kysely: role ${role} may now log in with tokens of ${iamArn}, in schema myschema`)
  } finally {
    await db.destroy()
  }
} catch (error) {
  console.error(`kysely: setup failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
