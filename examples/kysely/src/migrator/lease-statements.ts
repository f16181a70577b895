import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely'

/** Kysely's migration lock table and the id of its one row (Kysely creates both). */
export interface LockRow {
  readonly table: string
  /** The table's schema; `undefined` for the session's current schema. */
  readonly schema: string | undefined
  readonly rowId: string
}

/** The lock row as the database sees it, with the database's clock. */
export interface LeaseState {
  /** Who holds the lease; `null` when no one does. */
  readonly heldBy: string | null
  /** When the lease runs out unless its holder renews it; `null` when no one holds it. */
  readonly until: Date | null
  /** The database's `now()`: leases are judged by one clock, whichever machine migrates. */
  readonly now: Date
}

/**
 * The statements of the migration lease. Each runs alone, in autocommit, so each is a transaction
 * of its own: Aurora DSQL checks it for conflicts at its COMMIT, where two migrators that wrote the
 * lock row at once cannot both succeed (the later one fails with `40001`).
 *
 * A lease is the pair (`locked_by`, `locked_until`) on Kysely's lock row, beside Kysely's own
 * `is_locked` (kept in step, for people reading the table). Time is the database's `now()`.
 */

/** Adds `locked_by` and `locked_until` to Kysely's lock table where they are missing. */
export async function ensureLeaseColumns(db: QueryExecutorProvider, row: LockRow): Promise<void> {
  const { rows } = await sql<{ column_name: string }>`
    select column_name from information_schema.columns
    where table_schema = coalesce(${row.schema ?? null}::text, current_schema())
      and table_name = ${row.table}`.execute(db)
  const present = new Set(rows.map((r) => r.column_name))
  // One DDL statement per transaction (DSQL), and ADD COLUMN without a constraint or default.
  if (!present.has('locked_by')) {
    await sql`alter table ${table(row)} add column if not exists locked_by varchar(255)`.execute(db)
  }
  if (!present.has('locked_until')) {
    await sql`alter table ${table(row)} add column if not exists locked_until timestamptz`.execute(
      db,
    )
  }
}

/**
 * Claims the lease for `holder` if no one holds it or its holder's lease ran out. Returns when
 * the lease now ends, or `undefined` when it is taken. Fails with `40001` when another migrator
 * wrote the row first: that one won.
 */
export async function claimLease(
  db: QueryExecutorProvider,
  row: LockRow,
  holder: string,
  leaseMs: number,
): Promise<Date | undefined> {
  const { rows } = await sql<{ locked_until: Date }>`
    update ${table(row)}
    set is_locked = 1, locked_by = ${holder}, locked_until = ${expiry(leaseMs)}
    where id = ${row.rowId} and (locked_until is null or locked_until < now())
    returning locked_until`.execute(db)
  return rows[0]?.locked_until
}

/**
 * Pushes the end of `holder`'s lease to `leaseMs` from now. Returns the new end, or `undefined`
 * when the lease is no longer `holder`'s (it ran out and another migrator claimed it).
 */
export async function renewLease(
  db: QueryExecutorProvider,
  row: LockRow,
  holder: string,
  leaseMs: number,
): Promise<Date | undefined> {
  const { rows } = await sql<{ locked_until: Date }>`
    update ${table(row)} set locked_until = ${expiry(leaseMs)}
    where id = ${row.rowId} and locked_by = ${holder}
    returning locked_until`.execute(db)
  return rows[0]?.locked_until
}

/** Frees the lease if it is still `holder`'s; returns whether it was. */
export async function releaseLease(
  db: QueryExecutorProvider,
  row: LockRow,
  holder: string,
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    update ${table(row)} set is_locked = 0, locked_by = null, locked_until = null
    where id = ${row.rowId} and locked_by = ${holder}
    returning id`.execute(db)
  return rows.length === 1
}

/** Who holds the lease now, and until when (a read: it never conflicts). */
export async function readLease(db: QueryExecutorProvider, row: LockRow): Promise<LeaseState> {
  const { rows } = await sql<{ locked_by: string | null; locked_until: Date | null; now: Date }>`
    select locked_by, locked_until, now() as now from ${table(row)}
    where id = ${row.rowId}`.execute(db)
  const [state] = rows
  return {
    heldBy: state?.locked_by ?? null,
    until: state?.locked_until ?? null,
    now: state?.now ?? new Date(),
  }
}

/** `"schema"."table"`, or `"table"` in the current schema. */
function table(row: LockRow): RawBuilder<unknown> {
  return row.schema === undefined ? sql.id(row.table) : sql.id(row.schema, row.table)
}

function expiry(leaseMs: number): RawBuilder<Date> {
  return sql<Date>`now() + ${Math.round(leaseMs)}::int * interval '1 millisecond'`
}
