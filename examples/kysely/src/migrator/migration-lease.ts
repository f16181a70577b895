import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { isOccConflict, withRetry } from 'dsql-auth'
import type { QueryExecutorProvider } from 'kysely'
import {
  claimLease,
  ensureLeaseColumns,
  type LeaseState,
  type LockRow,
  readLease,
  releaseLease,
  renewLease,
} from './lease-statements.ts'
import { MigrationError } from './migration-error.ts'

/** How the migration lock behaves. Every field has a default ({@link MIGRATION_LOCK_DEFAULTS}). */
export interface MigrationLockSettings {
  /**
   * Seconds a lease lasts unless its holder renews it (it does, every third of this, while it
   * runs). A migrator that crashed blocks the others at most this long. Default 60.
   */
  readonly leaseSeconds?: number
  /** Seconds to wait for a lock another migrator holds before failing with `LOCK_TIMEOUT`. Default 600. */
  readonly waitSeconds?: number
  /** Called each time the lock is found taken, before waiting for it. */
  readonly onWait?: (event: LockWaitEvent) => void
}

/** What {@link MigrationLockSettings.onWait} is told. */
export interface LockWaitEvent {
  /** 1 for the first time the lock was found taken. */
  readonly attempt: number
  /** The holder's id (`<pid>@<host>/<random>`); `null` when the row was free again by the time it was read. */
  readonly heldBy: string | null
  /** When the holder's lease runs out unless renewed, by the database's clock. */
  readonly until: Date | null
  /** Milliseconds waited so far. */
  readonly waitedMs: number
}

/** The defaults of {@link MigrationLockSettings}. */
export const MIGRATION_LOCK_DEFAULTS = Object.freeze({ leaseSeconds: 60, waitSeconds: 600 })

/** {@link MigrationLockSettings} checked, with defaults applied, in milliseconds. */
export interface LockTimings {
  readonly leaseMs: number
  readonly waitMs: number
  readonly onWait: ((event: LockWaitEvent) => void) | undefined
}

/**
 * Checks `settings` and applies the defaults.
 *
 * @throws {RangeError} for a lease under 0.3 s or a negative wait.
 */
export function lockTimings(settings: MigrationLockSettings = {}): LockTimings {
  const leaseSeconds = settings.leaseSeconds ?? MIGRATION_LOCK_DEFAULTS.leaseSeconds
  const waitSeconds = settings.waitSeconds ?? MIGRATION_LOCK_DEFAULTS.waitSeconds
  return Object.freeze({
    leaseMs: milliseconds(leaseSeconds, 'leaseSeconds', 0.3),
    waitMs: milliseconds(waitSeconds, 'waitSeconds', 0),
    onWait: settings.onWait,
  })
}

const FIRST_POLL_MS = 100
const MAX_POLL_MS = 2_000

/**
 * A migrator's claim on Kysely's migration lock row, for Aurora DSQL, which has no advisory locks
 * and never makes a transaction wait for another. The claim is one UPDATE of the row, in a
 * transaction of its own, that succeeds only while the row is free or its lease ran out. Two
 * migrators that claim at once both write the row; DSQL commits the first and fails the other with
 * `40001`, and any later claimer sees the row taken. The lease ends at a time set by the database's
 * clock and is renewed on a connection of its own while migrations run, so a migrator that crashed
 * holds the lock for at most one lease.
 */
export class MigrationLease {
  /** This migrator's id, written to the lock row's `locked_by`. */
  readonly holder: string
  readonly #row: LockRow
  readonly #leaseMs: number
  readonly #heartbeatDb: QueryExecutorProvider
  readonly #timer: NodeJS.Timeout
  /** The renewal in flight, if any: renewals never overlap, and release waits for it. */
  #beat: Promise<void> | undefined
  #lost = false

  private constructor(
    holder: string,
    row: LockRow,
    leaseMs: number,
    heartbeatDb: QueryExecutorProvider,
  ) {
    this.holder = holder
    this.#row = row
    this.#leaseMs = leaseMs
    this.#heartbeatDb = heartbeatDb
    this.#timer = setInterval(() => {
      // A renewal still waiting (e.g. for a pooled connection) is not joined by another.
      this.#beat ??= this.#heartbeat().finally(() => {
        this.#beat = undefined
      })
    }, leaseMs / 3)
    // A forgotten lease must not keep the process alive; it runs out by itself.
    this.#timer.unref()
  }

  /**
   * Claims the lock, waiting (polls with backoff and jitter, waking when the holder's lease ends)
   * while another migrator holds it.
   *
   * @param db The migration's connection.
   * @param heartbeatDb Where renewals run: another connection, so that a long step (an index
   *   build) does not hold them up.
   * @throws {MigrationError} `LOCK_TIMEOUT` after `waitSeconds`, naming the holder.
   */
  static async acquire(
    db: QueryExecutorProvider,
    row: LockRow,
    heartbeatDb: QueryExecutorProvider,
    { leaseMs, waitMs, onWait }: LockTimings,
  ): Promise<MigrationLease> {
    // DDL of two migrators at once: one may fail with OC001, and runs again.
    await withRetry(() => ensureLeaseColumns(db, row))
    const holder = `${process.pid}@${hostname()}/${randomUUID().slice(0, 8)}`.slice(0, 255)
    const started = performance.now()
    for (let attempt = 1; ; attempt++) {
      const until = await claimLease(db, row, holder, leaseMs).catch((error: unknown) => {
        // Another migrator wrote the row first and committed: it holds the lock.
        if (isOccConflict(error)) return undefined
        throw error
      })
      if (until !== undefined) return new MigrationLease(holder, row, leaseMs, heartbeatDb)
      const state = await readLease(db, row)
      const waitedMs = performance.now() - started
      if (waitedMs >= waitMs) {
        throw new MigrationError('LOCK_TIMEOUT', timeoutMessage(row, state, waitMs))
      }
      onWait?.({ attempt, heldBy: state.heldBy, until: state.until, waitedMs })
      await sleep(pollDelay(attempt, state, waitMs - waitedMs))
    }
  }

  /**
   * Renews the lease on the migration's connection before a step, and fails if it is no longer
   * this migrator's: a step never runs unless this migrator holds the lock.
   *
   * @throws {MigrationError} `LOCK_LOST`, naming who holds the lock now.
   */
  async renew(db: QueryExecutorProvider): Promise<void> {
    if (!this.#lost) {
      const until = await withRetry(() => renewLease(db, this.#row, this.holder, this.#leaseMs))
      if (until !== undefined) return
      this.#lost = true
    }
    throw await this.#lostError(db)
  }

  /**
   * Stops the renewals and frees the lock row, if it is still this migrator's.
   *
   * @throws {MigrationError} `LOCK_LOST` when the lease had run out and another migrator took it.
   */
  async release(db: QueryExecutorProvider): Promise<void> {
    clearInterval(this.#timer)
    await this.#beat
    if (this.#lost || !(await withRetry(() => releaseLease(db, this.#row, this.holder)))) {
      this.#lost = true
      throw await this.#lostError(db)
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#lost) return
    try {
      const db = this.#heartbeatDb
      const until = await withRetry(() => renewLease(db, this.#row, this.holder, this.#leaseMs))
      if (until === undefined) this.#lost = true
    } catch {
      // A renewal that failed (a dropped connection) is tried at the next beat; the lease lasts
      // until its end meanwhile, and renew() before each step finds out if it was lost.
    }
  }

  async #lostError(db: QueryExecutorProvider): Promise<MigrationError> {
    const state = await readLease(db, this.#row).catch(() => undefined)
    return new MigrationError(
      'LOCK_LOST',
      `the migration lock (${describe(this.#row)}) is no longer held by this migrator ` +
        `(${this.holder}): its lease ran out and ${state?.heldBy ?? 'another migrator'} took it. ` +
        'Another migrator may have run migrations meanwhile; check `pnpm migrate status`.',
    )
  }
}

function pollDelay(attempt: number, state: LeaseState, remainingMs: number): number {
  const capMs = Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** (attempt - 1))
  // Half fixed, half random: waiters spread out, and none polls in a tight loop.
  let delayMs = capMs / 2 + (Math.random() * capMs) / 2
  if (state.until !== null) {
    // Wake just after the holder's lease ends, by the database's clock, if that comes sooner.
    const endsInMs = state.until.getTime() - state.now.getTime()
    if (endsInMs >= 0) delayMs = Math.min(delayMs, endsInMs + 20)
  }
  return Math.max(0, Math.min(delayMs, remainingMs))
}

function timeoutMessage(row: LockRow, state: LeaseState, waitMs: number): string {
  const holder =
    state.heldBy === null
      ? 'another migrator'
      : `${state.heldBy} (lease until ${state.until?.toISOString() ?? 'unknown'})`
  return (
    `the migration lock (${describe(row)}) is held by ${holder}; waited ${(waitMs / 1000).toFixed(1)} s. ` +
    'A running migrator renews its lease; one that crashed holds it until the lease runs out. ' +
    'Try again later, or wait longer (waitSeconds).'
  )
}

function describe(row: LockRow): string {
  return `${row.schema === undefined ? '' : `${row.schema}.`}${row.table}, row ${row.rowId}`
}

function milliseconds(seconds: number, name: string, min: number): number {
  if (!Number.isFinite(seconds) || seconds < min) {
    throw new RangeError(`${name} must be a number of seconds of at least ${min}, got ${seconds}`)
  }
  return seconds * 1000
}
