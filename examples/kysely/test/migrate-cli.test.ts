import { type Kysely, sql } from 'kysely'
import { describe, expect, inject, it } from 'vitest'
import type { Database } from '../src/database.ts'
import { createMigrator, runMigrations } from '../src/migrator/dsql-migrator.ts'
import { type CliRun, type OwnStandIn, useOwnStandIn } from './own-stand-in.ts'

const OWNER = '0001-create-owner-table'
const CITY_INDEX = '0002-create-owner-city-index'
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/

/** The migrations a run says it applied. */
function appliedBy(run: CliRun): string[] {
  return [...run.stdout.matchAll(/✓ applied (\S+)/g)].map((m) => m[1] as string)
}

async function records(db: Kysely<Database>): Promise<{ name: string; timestamp: string }[]> {
  const { rows } = await sql<{ name: string; timestamp: string }>`
    select name, timestamp from kysely_migration order by name`.execute(db)
  return rows
}

async function lockRow(db: Kysely<Database>) {
  const { rows } =
    await sql`select is_locked, locked_by, locked_until from kysely_migration_lock`.execute(db)
  return rows
}

const FREE = [{ is_locked: 0, locked_by: null, locked_until: null }]

// `node src/migrate.ts`, as `pnpm migrate` runs it, in processes of its own against an empty
// stand-in of this file's own.
describe.skipIf(!inject('local'))('pnpm migrate, in separate processes', () => {
  let standIn: OwnStandIn
  let db: Kysely<Database>
  useOwnStandIn((started, startedDb) => {
    standIn = started
    db = startedDb
  })

  it('two migrators started at once on an empty cluster: each migration is applied once, and the other migrator ends cleanly', async () => {
    const runs = await Promise.all([standIn.migrate('latest'), standIn.migrate('latest')])

    for (const run of runs) {
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('migrate: 2 of 2 migrations applied')
    }
    // One migrator held the lock for its whole run and applied both; the other had nothing left.
    expect(runs.flatMap(appliedBy).sort()).toEqual([OWNER, CITY_INDEX])
    const idle = runs.filter((run) => appliedBy(run).length === 0)
    expect(idle).toHaveLength(1)
    expect(idle[0]?.stdout).toContain('migrate: nothing to do: no pending migrations')
    expect((await records(db)).map((r) => r.name)).toEqual([OWNER, CITY_INDEX])
    expect(await lockRow(db)).toEqual(FREE)
    expect(standIn.refusals).toEqual([])
  })

  it('status lists each migration, applied and when; down undoes the last one and up redoes it', async () => {
    const status = await standIn.migrate('status')
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(
      new RegExp(`^ {2}applied {2}${OWNER} {2}${ISO_TIME.source}$`, 'm'),
    )
    expect(status.stdout).toMatch(
      new RegExp(`^ {2}applied {2}${CITY_INDEX} {2}${ISO_TIME.source}$`, 'm'),
    )

    const down = await standIn.migrate('down')
    expect(down.code).toBe(0)
    expect(down.stdout).toContain(`  ✓ reverted ${CITY_INDEX}`)
    expect(down.stdout).toContain('migrate: 1 of 2 migrations applied')
    expect((await standIn.migrate('status')).stdout).toContain(`  pending  ${CITY_INDEX}`)

    const up = await standIn.migrate('up')
    expect(up.code).toBe(0)
    expect(appliedBy(up)).toEqual([CITY_INDEX])
    expect((await records(db)).map((r) => r.name)).toEqual([OWNER, CITY_INDEX])
  })

  it('two migrators that start while a crashed migrator’s lease runs: both wait, one takes over once it ran out, the other finds nothing left', async () => {
    const migrator = createMigrator(db, { schema: 'public' })
    await runMigrations(migrator, 'down')
    await runMigrations(migrator, 'down')
    expect(await records(db)).toEqual([])
    // What a migrator killed mid-run leaves behind: the lock row claimed, with its lease running.
    const crashed = '4242@crashed-host/0badc0de'
    const { rows } = await sql<{ locked_until: Date }>`
      update kysely_migration_lock
      set is_locked = 1, locked_by = ${crashed}, locked_until = now() + interval '3 seconds'
      returning locked_until`.execute(db)
    const leaseEnd = rows[0]?.locked_until as Date

    const runs = await Promise.all([standIn.migrate('latest'), standIn.migrate('latest')])

    for (const run of runs) {
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`migrate: waiting for the migration lock, held by ${crashed}`)
    }
    expect(runs.flatMap(appliedBy).sort()).toEqual([OWNER, CITY_INDEX])
    const idle = runs.filter((run) => appliedBy(run).length === 0)
    expect(idle).toHaveLength(1)
    expect(idle[0]?.stdout).toContain('migrate: nothing to do: no pending migrations')
    // Nothing ran before the crashed migrator's lease was over.
    for (const { timestamp } of await records(db)) {
      expect(new Date(timestamp).getTime()).toBeGreaterThanOrEqual(leaseEnd.getTime())
    }
    expect(await lockRow(db)).toEqual(FREE)
  })

  it('an unknown command exits 2 with the usage and connects to nothing', async () => {
    const run = await standIn.migrate('sideways')
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      'migrate: unknown command "sideways"; usage: migrate [latest|up|down|status]\n',
    )
    expect(run.stdout).toBe('')
  })
})
