import type { StatementGate } from '../relay/statement-gate.ts'
import type { ConflictCode } from './conflict-errors.ts'
import type { Contender, LockReferee } from './lock-referee.ts'

/** What a session offers its {@link LockReferee}: its gate and ways to reach its backend session. */
export interface ContenderParts {
  readonly gate: StatementGate
  readonly backendPid: number
  readonly referee: LockReferee
  /**
   * Sends bytes to the backend session between two client messages; `false` when the client is
   * in the middle of one (nothing is sent then).
   */
  readonly toBackend: (bytes: Buffer) => boolean
  /**
   * Asks PostgreSQL to cancel the backend session's statement in flight, holding the client's next
   * messages back until the cancel is delivered (so it cannot reach a later statement); settles
   * then.
   */
  readonly cancel: () => Promise<unknown>
}

/** A relayed session as a {@link Contender}, with the hook its gate calls when it gets busy or idle. */
export interface SessionContender extends Contender {
  /** For the gate's `onBusyChange`. */
  busyChanged(busy: boolean): void
}

/**
 * Joins a relayed session to the {@link LockReferee}. Failing its transaction (`doom`) ends the
 * transaction's locks at once: a statement in flight is cancelled (its error becomes the
 * conflict); an idle transaction is aborted inside PostgreSQL by a statement of the relay's own,
 * whose answers the client never sees (its next statement, or COMMIT, then answers the conflict).
 * A cancel that came too late (the statement had finished) is made good by the abort as soon as
 * the session is idle.
 *
 * @example
 * ```ts
 * const contender = sessionContender({ gate, backendPid, referee, toBackend, cancel })
 * referee.add(contender)
 * ```
 */
export function sessionContender(parts: ContenderParts): SessionContender {
  const { gate, referee } = parts
  const abortIfIdle = (): boolean => {
    if (gate.state.busy || gate.state.status !== 'T') return false
    return parts.toBackend(gate.state.abortMessage())
  }
  let cancelling = false
  const contender: SessionContender = {
    backendPid: parts.backendPid,
    get serial() {
      return gate.state.serial
    },
    get busy() {
      return gate.state.busy
    },
    get committing() {
      return gate.state.committing
    },
    get changingSchema() {
      return gate.state.changingSchema
    },
    doom(code: ConflictCode) {
      // Outside a transaction and with nothing in flight, the session holds no lock.
      if (!gate.state.busy && gate.state.status !== 'T') return
      if (!gate.state.doomed) gate.state.doom(code)
      if (abortIfIdle() || !gate.state.busy || cancelling) return
      // Again at each check while it still holds what another waits for: a cancel that reaches the
      // backend before it has read the statement is dropped. The client's messages wait meanwhile,
      // so a cancel only ever meets statements of this transaction.
      cancelling = true
      void parts.cancel().finally(() => {
        cancelling = false
      })
    },
    busyChanged(busy: boolean) {
      referee.busyChanged(contender, busy)
      if (!busy && gate.state.doomed) abortIfIdle()
    },
  }
  return contender
}
