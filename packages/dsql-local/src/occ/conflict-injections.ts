import { DsqlLocalError } from '../errors.ts'
import { type ConflictCode, isConflictCode } from './conflict-errors.ts'

/**
 * Conflicts to inject: the next `count` COMMITs of explicit transactions fail with SQLSTATE `40001`
 * and DSQL's text for `code`, and roll back. With `role`, only COMMITs of sessions of that role
 * count; with `sessionId` (what `sys.current_session_id()` returned in the session), only that
 * session's.
 */
export interface ConflictInjection {
  /** How many COMMITs fail. Default 1. */
  readonly count?: number
  /** `OC000` (data, the default) or `OC001` (schema). */
  readonly code?: ConflictCode
  /** Only sessions that logged in as this role. */
  readonly role?: string
  /** Only the session whose `sys.current_session_id()` is this. */
  readonly sessionId?: string
}

/** The session a COMMIT belongs to. */
export interface CommittingSession {
  readonly role: string
  readonly sessionId: string
}

interface Pending {
  remaining: number
  readonly code: ConflictCode
  readonly role: string | undefined
  readonly sessionId: string | undefined
}

/**
 * The conflicts waiting to be injected, oldest first. A COMMIT takes the oldest injection that
 * matches its session, so a test can fail exactly the commits it means to, without races or
 * sleeps.
 *
 * @example
 * ```ts
 * const injections = new ConflictInjections()
 * injections.add({ count: 2, role: 'admin' })
 * injections.take({ role: 'admin', sessionId }) // 'OC000', then 'OC000', then undefined
 * ```
 */
export class ConflictInjections {
  readonly #pending: Pending[] = []

  /** Queues `injection`; throws a {@link DsqlLocalError} (`INVALID_OPTIONS`) naming a bad field. */
  add(injection: ConflictInjection = {}): void {
    const { count = 1, code = 'OC000', role, sessionId } = injection
    const bad = (message: string) =>
      new DsqlLocalError('INVALID_OPTIONS', `injectConflicts: ${message}`)
    if (!Number.isSafeInteger(count) || count < 1) {
      throw bad('count must be a whole number of at least 1')
    }
    if (!isConflictCode(code)) throw bad('code must be "OC000" or "OC001"')
    if (role !== undefined && (typeof role !== 'string' || role === '')) {
      throw bad('role must be a role name')
    }
    if (sessionId !== undefined && (typeof sessionId !== 'string' || sessionId === '')) {
      throw bad('sessionId must be what sys.current_session_id() returned')
    }
    this.#pending.push({ remaining: count, code, role, sessionId })
  }

  /** The conflict this COMMIT must fail with, if one is queued for its session (and counts it). */
  take(session: CommittingSession): ConflictCode | undefined {
    const index = this.#pending.findIndex(
      (entry) =>
        (entry.role === undefined || entry.role === session.role) &&
        (entry.sessionId === undefined || entry.sessionId === session.sessionId),
    )
    const entry = this.#pending[index]
    if (entry === undefined) return undefined
    entry.remaining -= 1
    if (entry.remaining === 0) this.#pending.splice(index, 1)
    return entry.code
  }
}
