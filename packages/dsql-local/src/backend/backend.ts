import type { NetConnectOpts } from 'node:net'
import type pg from 'pg'

/**
 * The PostgreSQL behind the TLS front: the embedded one, or an existing server given by URL.
 * Reachable here, not by clients: the front opens one backend session per client session.
 */
export interface Backend {
  /** Where sessions connect: a private Unix socket (`{ path }`) or `{ host, port }`. */
  readonly target: NetConnectOpts
  /** The backend database that DSQL's single database `postgres` maps to. */
  readonly database: string
  /** A small pool of the stand-in's own privileged role: setup and grant look-ups. */
  readonly control: pg.Pool
  /** The data directory, for an embedded backend. */
  readonly dataDir?: string
  /** The postmaster's pid, for an embedded backend: what the process-exit cleanup stops. */
  readonly postmasterPid?: number
  /** The password for `role`, if the backend asks for one (a backend given by URL). */
  passwordFor(role: string): Promise<string>
  /** Stops the backend (embedded) or closes the pool (URL). Idempotent. */
  stop(): Promise<void>
}
