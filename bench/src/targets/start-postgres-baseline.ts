import { startPostgresTlsTarget } from 'dsql-local/bench/postgres-tls-target'
import type { PostgresTarget } from '../bench-target.ts'

/** The plain PostgreSQL baseline and how to stop it. */
export interface PostgresBaseline {
  readonly target: PostgresTarget
  stop(): Promise<void>
}

/**
 * Starts a plain PostgreSQL 16 from the stand-in's own binaries and settings, with its own TLS
 * (a throwaway CA, `SSLRequest`) and a static password sent in the clear inside TLS, as DSQL takes
 * its tokens (SCRAM would add client-side hashing that DSQL never asks for), on 127.0.0.1: what each driver does
 * with neither IAM auth nor the stand-in's relay in the way. The caller stops it.
 *
 * @example
 * ```ts
 * const baseline = await startPostgresBaseline()
 * try { new pg.Pool({ ...baseline.target }) } finally { await baseline.stop() }
 * ```
 */
export async function startPostgresBaseline(): Promise<PostgresBaseline> {
  const started = await startPostgresTlsTarget({
    id: 'postgres',
    label: 'PostgreSQL TLS',
    passwordAuth: 'password',
  })
  const connection = started.connection
  if (connection === undefined) {
    await started.stop()
    throw new Error('startPostgresTlsTarget() returned no connection settings')
  }
  return { target: Object.freeze({ ...connection }), stop: () => started.stop() }
}
