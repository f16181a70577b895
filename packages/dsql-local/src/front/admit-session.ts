import { randomBytes } from 'node:crypto'
import type tls from 'node:tls'
import { accessDeniedHints, clusterArn } from '../auth/access-denied-hints.ts'
import type { LocalPrincipal } from '../auth/local-principal.ts'
import { verifyDsqlToken } from '../auth/verify-dsql-token.ts'
import type { Backend } from '../backend/backend.ts'
import { type BackendSession, openBackendSession } from '../backend/open-backend-session.ts'
import { hasIamGrant } from '../backend/setup-database.ts'
import { BackendSessionError } from '../errors.ts'
import type { MessageReader } from '../wire/message-reader.ts'
import { authenticationCleartextPassword, negotiateProtocolVersion } from '../wire/pg-messages.ts'
import type { ConnectionLimits, ConnectionSlot } from './connection-limits.ts'
import { describeError, shown } from './log-text.ts'
import { Refusal, refusals } from './refusal.ts'

/** What a startup is checked against. */
export interface AdmissionCheck {
  /** The cluster endpoint tokens must be signed for. */
  readonly endpoint: string
  readonly region: string
  /** The local credential store, by access key ID. */
  readonly principals: ReadonlyMap<string, LocalPrincipal>
  readonly clockSkewMs: number
  readonly limits: ConnectionLimits
  /** The backend, or `undefined` while it is starting. */
  readonly backend: Backend | undefined
}

/** The client's side of a startup: its TLS stream, the reader on it and its StartupMessage. */
export interface StartupRequest {
  readonly client: tls.TLSSocket
  readonly reader: MessageReader
  /** Protocol version word of the StartupMessage (3.x). */
  readonly version: number
  readonly params: ReadonlyMap<string, string>
}

/** An admitted client: who it is, its connection slot and its open backend session. */
export interface Admission {
  readonly principal: LocalPrincipal
  /** Counted against `maxConnections` until released. */
  readonly slot: ConnectionSlot
  readonly backend: BackendSession
  /** What `sys.current_session_id()` returns in this session. */
  readonly sessionId: string
}

/** The backend setting that carries the session's id, read by `sys.current_session_id()`. */
export const sessionIdSetting = 'dsql_local.session_id'

/** Time allowed to open the backend session. */
const backendTimeoutMs = 10_000
/** Startup parameters the front sets itself or does not pass on. */
const reservedParams = new Set([
  'user',
  'database',
  'replication',
  'default_transaction_isolation',
  sessionIdSetting,
])

/**
 * Decides whether a client that finished TLS and sent its StartupMessage may have a session, in
 * DSQL's order: SNI, connection rate and count, user and database, then the password as a DSQL IAM
 * token (verified, action fitting the user, allowed to the principal, mapped by `AWS IAM GRANT` for
 * roles other than `admin`), and finally opens the backend session with the client's other startup
 * parameters (`options`, `application_name`, ...) and `REPEATABLE READ`. Throws a {@link Refusal}
 * with DSQL's answer and the exact reason, or another error when the client breaks the protocol;
 * either way it holds nothing afterwards.
 *
 * @example
 * ```ts
 * const { principal, slot, backend } = await admitSession({ client, reader, version, params }, check)
 * ```
 */
export async function admitSession(
  request: StartupRequest,
  check: AdmissionCheck,
): Promise<Admission> {
  const { client, params, version } = request
  if (!client.servername) {
    throw new Refusal(refusals.sniNotReceived, 'no SNI (TLS server name) in the handshake')
  }
  const slot = check.limits.claim()
  try {
    const backendServer = check.backend
    if (backendServer === undefined) {
      throw new Refusal(refusals.startingUp, 'the backend is not ready yet')
    }
    const user = params.get('user')
    if (user === undefined)
      throw new Refusal(refusals.accessDenied(), 'no user in the startup packet')
    const database = params.get('database') || user
    if (database !== 'postgres') {
      throw new Refusal(
        refusals.noSuchDatabase(database),
        `database ${shown(database)} requested; DSQL has only "postgres"`,
      )
    }
    if ((params.get('replication') ?? 'false') !== 'false') {
      throw new Refusal(refusals.accessDenied(), 'replication connections are not supported')
    }
    const unsupported = [...params.keys()].filter((name) => name.startsWith('_pq_.'))
    if ((version & 0xffff) !== 0 || unsupported.length > 0) {
      client.write(negotiateProtocolVersion(0, unsupported))
    }

    const principal = await authenticate(request, check, user)
    if (user !== 'admin' && !(await hasIamGrant(backendServer.control, user, principal.arn))) {
      throw new Refusal(
        refusals.accessDenied(
          accessDeniedHints.notAuthorized(
            principal.arn,
            'DbConnect',
            clusterArn(check.endpoint, check.region, principal.arn),
          ),
        ),
        `no AWS IAM GRANT maps ${principal.arn} to role ${shown(user)}`,
      )
    }

    const forwarded = new Map(
      [...params].filter(([name]) => !reservedParams.has(name) && !name.startsWith('_pq_.')),
    )
    forwarded.set('default_transaction_isolation', 'repeatable read')
    const sessionId = randomBytes(12).toString('hex')
    forwarded.set(sessionIdSetting, sessionId)
    // DSQL's sessions report `TimeZone` as `UTC` (PostgreSQL's own default here says `Etc/UTC`).
    if (![...forwarded.keys()].some((name) => name.toLowerCase() === 'timezone')) {
      forwarded.set('TimeZone', 'UTC')
    }
    const backend = await openBackendSession({
      target: backendServer.target,
      user,
      database: backendServer.database,
      params: forwarded,
      password: () => backendServer.passwordFor(user),
      timeoutMs: backendTimeoutMs,
    }).catch((error: unknown) => {
      if (error instanceof BackendSessionError && !error.code.startsWith('28')) {
        throw new Refusal(
          { severity: 'FATAL', code: error.code, message: error.message },
          `backend: ${error.message}`,
        )
      }
      throw new Refusal(
        refusals.accessDenied(),
        `backend refused role ${shown(user)}: ${describeError(error)}`,
      )
    })
    return { principal, slot, backend, sessionId }
  } catch (error) {
    slot.release()
    throw error
  }
}

/** Asks for the password and checks it as a DSQL IAM token for `user`; returns its principal. */
async function authenticate(
  request: StartupRequest,
  check: AdmissionCheck,
  user: string,
): Promise<LocalPrincipal> {
  request.client.write(authenticationCleartextPassword())
  const message = await request.reader.readMessage(16_384)
  if (message.type !== 'p') throw new Error(`expected a password message, got "${message.type}"`)
  const token = message.body.toString('utf8', 0, Math.max(0, message.body.indexOf(0)))
  const verified = verifyDsqlToken(token, {
    endpoint: check.endpoint,
    region: check.region,
    principals: check.principals,
    nowMs: Date.now(),
    clockSkewMs: check.clockSkewMs,
  })
  if (!verified.ok) throw new Refusal(refusals.accessDenied(verified.hint), verified.reason)
  const { principal, action } = verified
  const wrongAction = refusals.accessDenied(accessDeniedHints.wrongAction(user, action))
  if (user === 'admin' && action !== 'DbConnectAdmin') {
    throw new Refusal(wrongAction, `user "admin" needs a DbConnectAdmin token, got ${action}`)
  }
  if (user !== 'admin' && action !== 'DbConnect') {
    throw new Refusal(wrongAction, `${action} tokens are for user "admin" only, not ${shown(user)}`)
  }
  if (principal.allowedActions && !principal.allowedActions.includes(action)) {
    throw new Refusal(
      refusals.accessDenied(
        accessDeniedHints.notAuthorized(
          principal.arn,
          action,
          clusterArn(check.endpoint, check.region, principal.arn),
        ),
      ),
      `${principal.arn} is not allowed dsql:${action}`,
    )
  }
  return principal
}
