import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { DsqlLocalError } from '../errors.ts'
import type { DsqlLocalLogger } from '../logger.ts'
import type { Backend } from './backend.ts'
import { type DialectSetup, setupDatabase } from './setup-database.ts'

/**
 * Uses an existing PostgreSQL (16 preferably) given by a URL such as
 * `postgres://postgres:secret@127.0.0.1:5432/postgres` as the backend. The URL's role must be a
 * superuser: it creates `admin` and schema `sys`, and gives each role that logs in through the
 * front a fresh random password for this run (`ALTER ROLE ... PASSWORD`) when the server first asks
 * for one; a reset that failed is logged and tried again at the role's next login. `postgres://role@localhost/postgres?host=/path/to/socket/dir` selects a Unix socket.
 */
export async function connectUrlBackend(
  url: string,
  options: { readonly dialect: DialectSetup; readonly logger: DsqlLocalLogger },
): Promise<Backend> {
  const { logger } = options
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new DsqlLocalError('INVALID_OPTIONS', 'backendUrl is not a valid URL', { cause: error })
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DsqlLocalError('INVALID_OPTIONS', 'backendUrl must start with postgres://')
  }
  const database = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres'
  const port = Number(parsed.port || 5432)
  const socketDir = parsed.searchParams.get('host')
  const host = decodeURIComponent(parsed.hostname) || 'localhost'
  const control = new pg.Pool({ connectionString: url, max: 4 })
  control.on('error', (error) => logger.error(`control connection: ${error.message}`))
  try {
    await setupDatabase(control, { database, ...options.dialect })
  } catch (error) {
    await control.end().catch(() => {})
    throw new DsqlLocalError(
      'BACKEND_START_FAILED',
      `the backend at ${parsed.host || socketDir} cannot be used: ${(error as Error).message}`,
      { cause: error },
    )
  }

  const passwords = new Map<string, Promise<string>>()
  let stopped: Promise<void> | undefined
  return {
    target: socketDir?.startsWith('/') ? { path: `${socketDir}/.s.PGSQL.${port}` } : { host, port },
    database,
    control,
    passwordFor: (role) => {
      const known = passwords.get(role)
      if (known !== undefined) return known
      const value = randomBytes(24).toString('base64url')
      const password = control
        .query(`ALTER ROLE ${pg.escapeIdentifier(role)} PASSWORD ${pg.escapeLiteral(value)}`)
        .then(
          () => value,
          (error: unknown) => {
            // Only a password that was set is kept: the next login tries again.
            if (passwords.get(role) === password) passwords.delete(role)
            logger.warn(
              `could not set a password for role ${pg.escapeIdentifier(role)}: ${(error as Error).message}`,
            )
            throw error
          },
        )
      passwords.set(role, password)
      return password
    },
    stop: () => {
      stopped ??= control.end()
      return stopped
    },
  }
}
