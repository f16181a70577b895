/**
 * An AWS Lambda function (Node.js 24 runtime, ES module) that reaches Aurora DSQL through the same
 * {@link createPool} as the example program. Deploying it is described in the README.
 *
 * - **One pool per execution environment.** The pool, and the token provider inside it, are made on
 *   the first invocation and kept in this module's scope, so warm invocations reuse the open
 *   connection and the cached token. No connection is opened, and no setting read, before the first
 *   invocation: a missing variable fails that invocation with a `DsqlConfigError`, not the import.
 * - **`max: 1`.** Lambda hands an environment one invocation at a time, and each action below runs
 *   its statements one after another, so a second connection would only sit idle, holding one of
 *   DSQL's connections per environment (10,000 per cluster) and costing one of its new connections
 *   (100 a second, bursts of 1,000) whenever Lambda scales out. Raise it only for code that runs
 *   queries of one invocation in parallel.
 * - **Credentials and region.** Lambda puts the execution role's temporary credentials
 *   (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) in the environment when it
 *   starts an execution environment, where the SDK's default chain finds them. Credentials that
 *   state their expiry (`AWS_CREDENTIAL_EXPIRATION`, or a provider passed as `credentials`) end the
 *   cached token a minute before it; a token is signed for the region the endpoint names, whatever
 *   `AWS_REGION` (the function's own region) says. Both are `dsql-auth`'s rules.
 * - **A frozen environment.** Between invocations Lambda freezes the process; DSQL may close its
 *   connection meanwhile (at 60 minutes). A connection kept from an earlier invocation that turns out
 *   to be closed is discarded and the request runs once more on a new connection, which is safe
 *   because every action is idempotent. Any other error is thrown as an `Error` whose `name` Lambda
 *   reports as `errorType`; a connection in doubt is destroyed, never handed to the next invocation.
 *
 * @example
 * ```ts
 * // Lambda calls `handler`; a test makes an environment of its own:
 * const environment = createHandler({ env: { ...process.env, DB_USER: 'app' } })
 * try {
 *   await environment({ action: 'status' }, { awsRequestId: 'local-1' }) // { coldStart: true, ... }
 * } finally {
 *   await environment.close()
 * }
 * ```
 * @module
 */
import {
  DsqlAuthError,
  DsqlConfigError,
  DsqlRetryError,
  type Env,
  loadConfig,
  sqlState,
  withRetry,
} from 'dsql-auth'
import type pg from 'pg'
import { createPool, type PoolOptions } from './db.ts'
import { DatabaseRequestError } from './lambda-errors.ts'
import {
  type LambdaContext,
  type LambdaRequest,
  type LambdaResult,
  parseEvent,
} from './lambda-event.ts'
import { findOwners, type Owner } from './owners.ts'

export { DatabaseRequestError, InvalidEventError } from './lambda-errors.ts'
export type { LambdaContext, LambdaEvent, LambdaResult, OwnerInput } from './lambda-event.ts'

/** Options of {@link createHandler}: those of {@link createPool}, and where settings come from. */
export interface HandlerOptions extends PoolOptions {
  /** The variables to read on the first invocation. Default `process.env`, filled by Lambda. */
  readonly env?: Env
  /**
   * Called when a connection kept from an earlier invocation was found closed and the request ran
   * again on a new one. Default: a warning in the function's log.
   */
  readonly onStaleConnection?: (error: unknown) => void
}

/** A Lambda handler with one pool, made on its first invocation. */
export interface LambdaHandler {
  (event: unknown, context: LambdaContext): Promise<LambdaResult>
  /**
   * Ends the pool, for tests and scripts. A deployed function never calls it: Lambda freezes and
   * discards environments without notice, and ending the pool per invocation would throw away the
   * connection that warm invocations are meant to reuse.
   */
  close(): Promise<void>
}

/** Connections per execution environment (see the module comment). */
export const LAMBDA_POOL_MAX = 1

/**
 * Makes a Lambda handler with a pool of its own, created on the first invocation and reused by
 * the later ones: one handler stands for one execution environment. {@link handler} is the one
 * Lambda calls; tests make more, one per simulated environment.
 *
 * @example
 * ```ts
 * const environment = createHandler({ onRefresh: (e) => console.log(`token signed: ${e.reason}`) })
 * await environment({ action: 'list-owners', limit: 10 }, { awsRequestId: 'local-1' })
 * await environment.close()
 * ```
 */
export function createHandler(options: HandlerOptions = {}): LambdaHandler {
  const { env = process.env, onStaleConnection = warnStale, ...poolOptions } = options
  const settings = Object.freeze({ ...poolOptions, max: poolOptions.max ?? LAMBDA_POOL_MAX })
  let pool: pg.Pool | undefined
  /** Connections that served an invocation and went back to the pool: they may have closed since. */
  const kept = new WeakSet<pg.PoolClient>()

  const handle = async (event: unknown, context: LambdaContext): Promise<LambdaResult> => {
    const request = parseEvent(event)
    const coldStart = pool === undefined
    try {
      pool ??= createPool(loadConfig(env), settings)
      const active = pool
      return await withRetry(() =>
        onConnection(active, kept, onStaleConnection, (client) => run(request, client, coldStart)),
      )
    } catch (error) {
      // dsql-auth's errors already say what to check (settings, credentials, conflicts).
      const explained = [DsqlConfigError, DsqlAuthError, DsqlRetryError]
      if (explained.some((type) => error instanceof type)) throw error
      console.error(`lambda: ${request.action} failed (request ${context.awsRequestId}):`, error)
      throw new DatabaseRequestError(request.action, error)
    }
  }
  const close = async () => {
    const ending = pool
    pool = undefined
    await ending?.end()
  }
  return Object.assign(handle, { close })
}

/** The function's handler: set the function's handler to `lambda.handler` (see the README). */
export const handler: LambdaHandler = createHandler()

/**
 * Runs `work` on a pooled connection. A connection that fails without an answer from the server is
 * destroyed. If it was one kept from an earlier invocation (closed while the environment was
 * frozen), `work` runs once more on a new connection.
 */
async function onConnection<T>(
  pool: pg.Pool,
  kept: WeakSet<pg.PoolClient>,
  onStale: (error: unknown) => void,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect()
    const wasKept = kept.has(client)
    // pg emits 'error' on a checked-out client whose connection drops, besides failing its query;
    // with no listener, Node would end the process. The pool listens only while it is idle.
    let dropped: Error | undefined
    const onDropped = (error: Error) => {
      dropped = error
    }
    client.on('error', onDropped)
    let result: T
    try {
      result = await work(client)
    } catch (error) {
      const lost = dropped !== undefined || isConnectionLost(error)
      client.off('error', onDropped)
      client.release(lost) // true destroys it
      if (!lost) kept.add(client)
      if (lost && wasKept && attempt === 1) {
        onStale(error)
        continue
      }
      throw error
    }
    client.off('error', onDropped)
    kept.add(client)
    client.release()
    return result
  }
}

/** Runs one request's statements on one connection. Each action is safe to run twice. */
async function run(
  request: LambdaRequest,
  client: pg.PoolClient,
  coldStart: boolean,
): Promise<LambdaResult> {
  switch (request.action) {
    case 'status': {
      const { rows } = await client.query<{ session_id: string; current_user: string }>(
        'select sys.current_session_id() as session_id, current_user',
      )
      const [row] = rows
      if (row === undefined) throw new Error('status: the server returned no row')
      return { action: 'status', sessionId: row.session_id, user: row.current_user, coldStart }
    }
    case 'list-owners': {
      const { rows } = await client.query<Owner>(
        'select id, name, city, telephone from owner order by name, id limit $1',
        [request.limit],
      )
      return { action: 'list-owners', owners: rows }
    }
    case 'add-owner': {
      const { id, name, city, telephone } = request.owner
      // The event's id makes the insert idempotent: sent again, it inserts nothing.
      const { rowCount } = await client.query(
        'insert into owner (id, name, city, telephone) values ($1, $2, $3, $4) on conflict (id) do nothing',
        [id, name, city, telephone],
      )
      const [owner] = await findOwners(client, [id])
      if (owner === undefined) {
        throw new Error('add-owner: the owner was not found after the insert')
      }
      return { action: 'add-owner', owner, inserted: rowCount === 1 }
    }
  }
}

/**
 * Whether the connection is gone: no answer from the server (socket closed, reset or timed out),
 * or SQLSTATE class 08 (connection exception) or 57P01-57P03 (server shutting down).
 */
function isConnectionLost(error: unknown): boolean {
  const state = sqlState(error)
  return state === undefined || state.startsWith('08') || /^57P0[1-3]$/.test(state)
}

function warnStale(error: unknown): void {
  const reason = error instanceof Error ? error.message : 'unknown error'
  console.warn(
    `lambda: a connection kept from an earlier invocation had closed (${reason}); the request ran again on a new connection`,
  )
}
