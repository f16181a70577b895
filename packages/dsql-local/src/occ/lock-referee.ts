import type { DsqlLocalLogger } from '../logger.ts'
import type { ConflictCode } from './conflict-errors.ts'

/** One relayed session, as the {@link LockReferee} sees it. */
export interface Contender {
  /** Its backend session's process id. */
  readonly backendPid: number
  /** Changes whenever a transaction of the session ends: a lock seen earlier may be gone. */
  readonly serial: number
  /** Whether the session has a statement (or batch) in flight. */
  readonly busy: boolean
  /** Whether a COMMIT is in flight: its locks go in microseconds, nothing to decide. */
  readonly committing: boolean
  /** Whether its transaction changes the schema (a DDL statement ran or is running in it). */
  readonly changingSchema: boolean
  /**
   * Fails the session's transaction with the conflict `code`: its locks go at once; the session
   * learns of it on its statement in flight, its next statement or its COMMIT.
   */
  doom(code: ConflictCode): void
}

/** Runs one query on the backend as its privileged role. */
export type ControlQuery = (
  sql: string,
  params: readonly unknown[],
) => Promise<{ rows: Array<{ pid: number; blockers: number[] }> }>

/** How soon a busy session is looked at, and how often after that. */
export interface RefereeTiming {
  /** A statement in flight this long is checked for a lock wait. Default 2 ms. */
  readonly firstCheckMs?: number
  /** Least time between two checks. Default 3 ms. */
  readonly intervalMs?: number
}

/**
 * Waits for what another transaction holds until it ends: a table, a row, a transaction (a row it
 * wrote), a key being inserted, another object. Not the short internal locks that end on their own in
 * microseconds whoever holds them (`extend`, `page`, ...): failing their holder would be a false conflict.
 */
const waitsQuery = `SELECT pid, pg_catalog.pg_blocking_pids(pid) AS blockers
FROM pg_catalog.pg_stat_activity
WHERE wait_event_type = 'Lock' AND wait_event IN ('relation', 'tuple', 'transactionid', 'spectoken', 'object')
  AND pid = ANY($1::int[])`

/**
 * Makes sure no session waits for another's lock, as Aurora DSQL's optimistic concurrency never
 * makes a transaction wait. PostgreSQL underneath does make it wait (for a row another transaction
 * wrote, locked `FOR UPDATE`/`FOR KEY SHARE`, or for a table whose schema it changes); the
 * referee looks at every statement that is still running after a couple of milliseconds, asks
 * PostgreSQL whom it waits for (`pg_blocking_pids`) and ends the wait at once:
 * - a schema change (DDL) that waits: the transactions holding the table fail with `OC001`;
 * - a statement that waits for a transaction that changes the schema: it fails itself, `OC001`;
 * - otherwise (rows): the transaction holding the row fails with `OC000` and the waiting statement
 *   goes on, with the result it would have had; the loser learns of it on its next statement or at
 *   COMMIT, as on DSQL.
 * Only sessions of this stand-in are judged; a lock of anything else (the stand-in's own control
 * connections, autovacuum) is waited for as PostgreSQL does.
 *
 * @example
 * ```ts
 * const referee = new LockReferee((sql, params) => control.query(sql, params), logger)
 * referee.add(contender)
 * referee.busyChanged(contender, true) // a statement was sent
 * ```
 */
export class LockReferee {
  readonly #query: ControlQuery
  readonly #logger: DsqlLocalLogger
  readonly #firstCheckMs: number
  readonly #intervalMs: number
  readonly #byPid = new Map<number, Contender>()
  readonly #busySince = new Map<Contender, number>()
  #timer: NodeJS.Timeout | undefined
  #checking = false
  #lastCheckMs = 0
  #closed = false

  constructor(query: ControlQuery, logger: DsqlLocalLogger, timing: RefereeTiming = {}) {
    this.#query = query
    this.#logger = logger
    this.#firstCheckMs = timing.firstCheckMs ?? 2
    this.#intervalMs = timing.intervalMs ?? 3
  }

  /** Starts judging a session. */
  add(contender: Contender): void {
    this.#byPid.set(contender.backendPid, contender)
  }

  /** Stops judging a session (it ended). */
  remove(contender: Contender): void {
    if (this.#byPid.get(contender.backendPid) === contender)
      this.#byPid.delete(contender.backendPid)
    this.#busySince.delete(contender)
  }

  /** Tells the referee a session sent a statement (`true`) or has every answer (`false`). */
  busyChanged(contender: Contender, busy: boolean): void {
    if (!busy) {
      this.#busySince.delete(contender)
      return
    }
    if (!this.#busySince.has(contender)) this.#busySince.set(contender, performance.now())
    this.#schedule()
  }

  /** Stops checking (the stand-in is stopping). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#checking) return
    let oldest = Number.POSITIVE_INFINITY
    for (const since of this.#busySince.values()) oldest = Math.min(oldest, since)
    if (oldest === Number.POSITIVE_INFINITY) return
    const at = Math.max(oldest + this.#firstCheckMs, this.#lastCheckMs + this.#intervalMs)
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        void this.#check()
      },
      Math.max(0, at - performance.now()),
    )
    this.#timer.unref()
  }

  async #check(): Promise<void> {
    const now = performance.now()
    const due = [...this.#busySince]
      .filter(([contender, since]) => now - since >= this.#firstCheckMs && contender.busy)
      .map(([contender]) => contender)
    if (due.length === 0) {
      this.#schedule()
      return
    }
    this.#checking = true
    this.#lastCheckMs = now
    // A lock seen by the query belongs to the transaction a session had when the query started.
    const serials = new Map([...this.#byPid.values()].map((c) => [c, c.serial] as const))
    try {
      const { rows } = await this.#query(waitsQuery, [due.map((c) => c.backendPid)])
      for (const row of rows) this.#settle(row.pid, row.blockers, serials)
    } catch (error) {
      if (!this.#closed) this.#logger.error(`could not look for lock waits: ${String(error)}`)
    } finally {
      this.#checking = false
      this.#schedule()
    }
  }

  #settle(pid: number, blockers: readonly number[], serials: ReadonlyMap<Contender, number>): void {
    const waiter = this.#byPid.get(pid)
    if (waiter === undefined || waiter.serial !== serials.get(waiter) || !waiter.busy) return
    for (const blockerPid of blockers) {
      const holder = this.#byPid.get(blockerPid)
      if (holder === undefined || holder === waiter || holder.serial !== serials.get(holder))
        continue
      if (holder.committing) continue
      if (waiter.changingSchema) {
        holder.doom('OC001')
      } else if (holder.changingSchema) {
        waiter.doom('OC001')
        return
      } else {
        holder.doom('OC000')
      }
    }
  }
}
