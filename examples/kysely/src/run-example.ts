import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { Database, Owner } from './database.ts'
import { deleteOwners, findOwners, insertOwners, updateCity } from './owners.ts'
import { transaction } from './transaction.ts'

/** What {@link runExample} did, step by step, with the rows it saw. */
export interface ExampleReport {
  /** The role the example ran as. */
  readonly user: string
  /** `sys.current_session_id()` of the first connection. */
  readonly sessionId: string
  /** Time to open the first connection (token, TLS, authentication), in ms. */
  readonly connectMs: number
  /** Time for the whole example, in ms. */
  readonly totalMs: number
  /** One line per step that checked out. */
  readonly steps: readonly string[]
  readonly inserted: readonly Owner[]
  readonly read: readonly Owner[]
  readonly updated: Owner
  readonly remaining: readonly Owner[]
}

/**
 * The example program: inserts, reads back, updates and deletes rows of `owner` (its migrations
 * created the table), each write in a transaction retried on conflicts. Every step checks its
 * result and throws (an `AssertionError`) when it does not match.
 */
export async function runExample(
  db: Kysely<Database>,
  log: (line: string) => void = () => {},
): Promise<ExampleReport> {
  const started = performance.now()
  const steps: string[] = []
  const step = (line: string) => {
    steps.push(line)
    log(`  ✓ ${line}`)
  }

  // The first query opens the first connection: token, TLS and authentication included.
  const { rows } = await sql<{ session: string; user: string }>`
    select sys.current_session_id() as session, current_user as user`.execute(db)
  const connectMs = performance.now() - started
  const sessionId = rows[0]?.session ?? ''
  const user = rows[0]?.user ?? ''
  assert.ok(sessionId, 'the server reported no session id')
  step(`connected as ${user} in ${connectMs.toFixed(0)} ms (session ${sessionId})`)

  // A suffix keeps concurrent runs against one cluster from touching each other's rows.
  const suffix = randomBytes(3).toString('hex')
  const fresh = [
    { name: `Ana ${suffix}`, city: 'Lisbon', telephone: '+351 21 000 0000' },
    { name: `Bo ${suffix}`, city: 'Oslo', telephone: null },
  ]
  const inserted = await transaction(db, (trx) => insertOwners(trx, fresh))
  assert.deepEqual(
    inserted.map(({ id: _, ...rest }) => rest),
    fresh,
  )
  step(`inserted ${inserted.length} owners`)

  const ids = inserted.map((owner) => owner.id)
  const read = await findOwners(db, ids)
  assert.deepEqual(read, inserted)
  step(`read back ${read.length} owners`)

  const [ana] = inserted as [Owner]
  const updated = await transaction(db, (trx) => updateCity(trx, ana.id, 'Porto'))
  assert.ok(updated, `${ana.name} was not there to update`)
  assert.deepEqual(updated, { ...ana, city: 'Porto' })
  step(`moved ${ana.name} to ${updated.city}`)

  const deleted = await transaction(db, (trx) => deleteOwners(trx, ids))
  assert.equal(deleted, ids.length)
  const remaining = await findOwners(db, ids)
  assert.deepEqual(remaining, [])
  step(`deleted ${deleted} owners; none remain`)

  return {
    user,
    sessionId,
    connectMs,
    totalMs: performance.now() - started,
    steps,
    inserted,
    read,
    updated,
    remaining,
  }
}
