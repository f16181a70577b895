import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import type { MigrationProvider } from 'kysely/migration'
import { describe, expect, inject, it } from 'vitest'
import type { Database } from '../src/database.ts'
import { createDb } from '../src/db.ts'
import { createIndexAsync } from '../src/migrator/create-index-async.ts'
import { createMigrator, runMigrations } from '../src/migrator/dsql-migrator.ts'
import { MigrationError } from '../src/migrator/migration-error.ts'
import type { LockWaitEvent } from '../src/migrator/migration-lease.ts'
import { clusterConfig, sleep, waitFor } from './cluster-config.ts'
import { type OwnStandIn, useOwnStandIn } from './own-stand-in.ts'

const SCHEMA = 'public'
const OWNER = '0001-create-owner-table'
const CITY_INDEX = '0002-create-owner-city-index'
const up = (migrationName: string) => ({ migrationName, direction: 'Up', status: 'Success' })
const down = (migrationName: string) => ({ migrationName, direction: 'Down', status: 'Success' })

/** The names Kysely recorded as applied, in order. */
async function recorded(db: Kysely<Database>, table = 'kysely_migration'): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select name from ${sql.id(SCHEMA, table)} order by name`.execute(db)
  return rows.map((r) => r.name)
}

/** The lock row: Kysely's `is_locked` and the lease. */
async function lockRow(db: Kysely<Database>, table = 'kysely_migration_lock') {
  const { rows } = await sql<{
    is_locked: number
    locked_by: string | null
    locked_until: Date | null
  }>`select is_locked, locked_by, locked_until from ${sql.id(SCHEMA, table)}`.execute(db)
  return rows
}

const FREE = [{ is_locked: 0, locked_by: null, locked_until: null }]

async function exists(db: Kysely<Database>, kind: 'table' | 'index', name: string) {
  const { rows } =
    kind === 'table'
      ? await sql`select 1 from pg_tables where schemaname = ${SCHEMA} and tablename = ${name}`.execute(
          db,
        )
      : await sql`select 1 from pg_indexes where schemaname = ${SCHEMA} and indexname = ${name}`.execute(
          db,
        )
  return rows.length === 1
}

// Each describe has an empty stand-in of its own (started in under a second).
describe.skipIf(!inject('local'))('the example migrations on an empty cluster', () => {
  let standIn: OwnStandIn
  let db: Kysely<Database>
  useOwnStandIn((started, startedDb) => {
    standIn = started
    db = startedDb
  })

  it('migrate from empty: each migration once, in order, the index built by its job; the lock released; nothing refused', async () => {
    const results = await runMigrations(createMigrator(db, { schema: SCHEMA }))

    expect(results).toEqual([up(OWNER), up(CITY_INDEX)])
    expect(await recorded(db)).toEqual([OWNER, CITY_INDEX])
    expect(await exists(db, 'table', 'owner')).toBe(true)
    expect(await exists(db, 'index', 'owner_city_idx')).toBe(true)
    const { rows: jobs } = await sql<{ status: string }>`
      select status from sys.jobs where job_type = 'INDEX_BUILD' and object_name = 'owner_city_idx'`.execute(
      db,
    )
    expect(jobs).toEqual([{ status: 'completed' }])
    expect(await lockRow(db)).toEqual(FREE)
    // Kysely's bookkeeping, the lease and the migrations: all within DSQL's rules.
    expect(standIn.refusals).toEqual([])
  })

  it('migrate twice: the second run applies nothing and leaves the records as they were', async () => {
    const before = await sql`select name, timestamp from kysely_migration order by name`.execute(db)

    expect(await runMigrations(createMigrator(db, { schema: SCHEMA }))).toEqual([])
    const after = await sql`select name, timestamp from kysely_migration order by name`.execute(db)
    expect(after.rows).toEqual(before.rows)
    expect(await lockRow(db)).toEqual(FREE)
  })

  it('down then up: each step undoes or redoes one migration, and the records follow', async () => {
    const migrator = createMigrator(db, { schema: SCHEMA })

    expect(await runMigrations(migrator, 'down')).toEqual([down(CITY_INDEX)])
    expect(await exists(db, 'index', 'owner_city_idx')).toBe(false)
    expect(await recorded(db)).toEqual([OWNER])

    expect(await runMigrations(migrator, 'down')).toEqual([down(OWNER)])
    expect(await exists(db, 'table', 'owner')).toBe(false)
    expect(await recorded(db)).toEqual([])
    expect(await runMigrations(migrator, 'down')).toEqual([]) // nothing left to undo

    expect(await runMigrations(migrator, 'up')).toEqual([up(OWNER)])
    expect(await exists(db, 'table', 'owner')).toBe(true)
    expect(await exists(db, 'index', 'owner_city_idx')).toBe(false)

    expect(await runMigrations(migrator, 'latest')).toEqual([up(CITY_INDEX)])
    expect(await exists(db, 'index', 'owner_city_idx')).toBe(true)
    expect(await recorded(db)).toEqual([OWNER, CITY_INDEX])
    expect(await lockRow(db)).toEqual(FREE)
    expect(standIn.refusals).toEqual([])
  })
})

/** Test-only migrations whose table names do not meet the example's. */
const REFUSED_FOLDER = join(import.meta.dirname, 'refused-migrations')

/** Three migrations in code: a table, a TRUNCATE (which DSQL refuses), another table. */
const truncating: MigrationProvider = {
  getMigrations: async () => ({
    '0001-create-crate-table': {
      up: async (db) => {
        await db.schema
          .createTable('crate')
          .ifNotExists()
          .addColumn('id', 'uuid', (col) => col.primaryKey())
          .execute()
      },
    },
    '0002-empty-crate': {
      up: async (db) => {
        await sql`truncate crate`.execute(db)
      },
    },
    '0003-create-pallet-table': {
      up: async (db) => {
        await db.schema
          .createTable('pallet')
          .ifNotExists()
          .addColumn('id', 'uuid', (col) => col.primaryKey())
          .execute()
      },
    },
  }),
}

describe.skipIf(!inject('local'))('a migration DSQL refuses', () => {
  let standIn: OwnStandIn
  let db: Kysely<Database>
  useOwnStandIn((started, startedDb) => {
    standIn = started
    db = startedDb
  })

  it.each([
    {
      name: 'CREATE INDEX without ASYNC (a migration file)',
      source: { folder: REFUSED_FOLDER },
      names: [
        '0001-create-gadget-table',
        '0002-create-gadget-index-without-async',
        '0003-create-widget-table',
      ],
      text: 'unsupported mode. please use CREATE INDEX ASYNC.',
      rule: 'index-async',
      applied: 'gadget',
      never: 'widget',
    },
    {
      name: 'TRUNCATE (a MigrationProvider in code)',
      source: { provider: truncating },
      names: ['0001-create-crate-table', '0002-empty-crate', '0003-create-pallet-table'],
      text: 'unsupported statement: Truncate',
      rule: 'truncate',
      applied: 'crate',
      never: 'pallet',
    },
  ])(
    '$name: fails with DSQL’s 0A000 and text; the migrations before it stay recorded, it is not, the lock is free',
    async ({ source, names, text, rule, applied, never }) => {
      const tables = {
        migrationTableName: `${applied}_migration`,
        migrationLockTableName: `${applied}_lock`,
      }
      const migrator = createMigrator(db, { schema: SCHEMA, ...source, ...tables })
      const refusedBefore = standIn.refusals.length

      const error = await runMigrations(migrator).catch((e: unknown) => e)

      expect(error).toBeInstanceOf(MigrationError)
      expect(error).toMatchObject({
        code: 'MIGRATION_FAILED',
        message: `migration ${names[1]} failed (up); it is not recorded, and no later migration ran`,
        cause: { code: '0A000', message: text },
      })
      expect((error as MigrationError).results).toEqual([
        up(names[0] as string),
        { migrationName: names[1], direction: 'Up', status: 'Error' },
        { migrationName: names[2], direction: 'Up', status: 'NotExecuted' },
      ])
      expect(await recorded(db, tables.migrationTableName)).toEqual([names[0]])
      expect(await exists(db, 'table', applied)).toBe(true)
      expect(await exists(db, 'table', never)).toBe(false)
      expect(await lockRow(db, tables.migrationLockTableName)).toEqual(FREE)
      // Kysely's view agrees: the first applied, the others pending.
      const status = await migrator.getMigrations()
      expect(status.map((m) => [m.name, m.executedAt !== undefined])).toEqual([
        [names[0], true],
        [names[1], false],
        [names[2], false],
      ])
      // The one statement refused is the migration's; none of the migrator's own.
      const refused = standIn.refusals.slice(refusedBefore)
      expect(refused).toHaveLength(1)
      expect(refused[0]).toContain(`by rule "${rule}"`)
    },
  )

  it('once the refused migration is rewritten for DSQL, the next run applies it and the one after', async () => {
    const tables = { migrationTableName: 'gadget_migration', migrationLockTableName: 'gadget_lock' }
    const files = createMigrator(db, { schema: SCHEMA, folder: REFUSED_FOLDER, ...tables })
    const fixed: MigrationProvider = {
      getMigrations: async () => {
        const migrations = Object.fromEntries(
          (await files.getMigrations()).map((m) => [m.name, m.migration]),
        )
        migrations['0002-create-gadget-index-without-async'] = {
          up: async (db) => {
            await createIndexAsync(
              db,
              db.schema.createIndex('gadget_kind_idx').ifNotExists().on('gadget').column('kind'),
            )
          },
        }
        return migrations
      },
    }

    const results = await runMigrations(
      createMigrator(db, { schema: SCHEMA, provider: fixed, ...tables }),
    )

    expect(results).toEqual([
      up('0002-create-gadget-index-without-async'),
      up('0003-create-widget-table'),
    ])
    expect(await exists(db, 'index', 'gadget_kind_idx')).toBe(true)
    expect(await exists(db, 'table', 'widget')).toBe(true)
    expect(await lockRow(db, tables.migrationLockTableName)).toEqual(FREE)
  })
})

describe('migration lock settings', () => {
  it.each([
    [{ leaseSeconds: 0 }, 'leaseSeconds must be a number of seconds of at least 0.3, got 0'],
    [{ waitSeconds: -1 }, 'waitSeconds must be a number of seconds of at least 0, got -1'],
    [
      { leaseSeconds: Number.NaN },
      'leaseSeconds must be a number of seconds of at least 0.3, got NaN',
    ],
  ])(
    '%o fails when the instance is created, before anything connects',
    (migrationLock, message) => {
      expect(() => createDb(clusterConfig(), { migrationLock })).toThrow(new RangeError(message))
    },
  )
})

describe.skipIf(!inject('local'))('the migration lock', () => {
  let standIn: OwnStandIn
  let db: Kysely<Database>
  useOwnStandIn((started, startedDb) => {
    standIn = started
    db = startedDb
  })

  it('waits while another migrator holds it, fails with LOCK_TIMEOUT naming the holder, and takes it over once that lease ran out', async () => {
    const tables = { migrationTableName: 'held_migration', migrationLockTableName: 'held_lock' }
    // Kysely's tables, the lease columns and the lock row, with nothing to migrate yet.
    const none: MigrationProvider = { getMigrations: async () => ({}) }
    await runMigrations(createMigrator(db, { schema: SCHEMA, provider: none, ...tables }))
    await sql`update held_lock set is_locked = 1, locked_by = 'other-migrator',
      locked_until = now() + interval '1 hour'`.execute(db)
    const one: MigrationProvider = {
      getMigrations: async () => ({
        '0001-create-held-table': {
          up: async (db) => {
            await db.schema
              .createTable('held')
              .ifNotExists()
              .addColumn('id', 'uuid', (col) => col.primaryKey())
              .execute()
          },
        },
      }),
    }
    const waits: LockWaitEvent[] = []
    const impatient = standIn.db({
      migrationLock: { waitSeconds: 0.5, onWait: (e) => waits.push(e) },
    })
    try {
      const started = performance.now()
      const error = await runMigrations(
        createMigrator(impatient, { schema: SCHEMA, provider: one, ...tables }),
      ).catch((e: unknown) => e)

      expect(error).toBeInstanceOf(MigrationError)
      expect(error).toMatchObject({ code: 'LOCK_TIMEOUT' })
      expect((error as Error).message).toMatch(
        /^the migration lock \(public\.held_lock, row migration_lock\) is held by other-migrator \(lease until \d{4}-.*\); waited 0\.5 s\./,
      )
      expect(performance.now() - started).toBeGreaterThanOrEqual(500)
      expect(waits.length).toBeGreaterThan(0)
      expect(waits.every((e) => e.heldBy === 'other-migrator')).toBe(true)
      expect(await recorded(db, tables.migrationTableName)).toEqual([])
      expect((await lockRow(db, tables.migrationLockTableName))[0]?.locked_by).toBe(
        'other-migrator',
      )

      // The holder crashed: its lease ran out a second ago, and the next migrator takes over.
      await sql`update held_lock set locked_until = now() - interval '1 second'`.execute(db)
      const results = await runMigrations(
        createMigrator(impatient, { schema: SCHEMA, provider: one, ...tables }),
      )
      expect(results).toEqual([up('0001-create-held-table')])
      expect(await lockRow(db, tables.migrationLockTableName)).toEqual(FREE)
    } finally {
      await impatient.destroy()
    }
  })

  it('a running migrator renews its lease past its length, so a waiting one never takes over while it works', async () => {
    const tables = { migrationTableName: 'slow_migration', migrationLockTableName: 'slow_lock' }
    const events: string[] = []
    const slow: MigrationProvider = {
      getMigrations: async () => ({
        '0001-slow-step': {
          up: async () => {
            events.push('step starts')
            await sleep(2_000) // more than three leases of 0.6 s
            events.push('step ends')
          },
        },
      }),
    }
    const waits: LockWaitEvent[] = []
    const lock = { leaseSeconds: 0.6, waitSeconds: 20 }
    const first = standIn.db({ migrationLock: lock })
    const second = standIn.db({ migrationLock: { ...lock, onWait: (e) => waits.push(e) } })
    try {
      const running = runMigrations(
        createMigrator(first, { schema: SCHEMA, provider: slow, ...tables }),
      ).then((results) => {
        events.push('first done')
        return results
      })
      expect(await waitFor(() => events.includes('step starts'))).toBe(true)
      const [held] = await lockRow(db, tables.migrationLockTableName)
      const waiting = runMigrations(
        createMigrator(second, { schema: SCHEMA, provider: slow, ...tables }),
      ).then((results) => {
        events.push('second done')
        return results
      })
      await sleep(1_200)
      const [renewed] = await lockRow(db, tables.migrationLockTableName)

      const [firstResults, secondResults] = await Promise.all([running, waiting])
      expect(firstResults).toEqual([up('0001-slow-step')])
      expect(secondResults).toEqual([]) // nothing left once it had the lock
      expect(events).toEqual(['step starts', 'step ends', 'first done', 'second done'])
      expect(held?.locked_by).toMatch(/^\d+@.+\/[0-9a-f]{8}$/)
      expect(renewed?.locked_by).toBe(held?.locked_by)
      expect(renewed?.locked_until?.getTime()).toBeGreaterThan(held?.locked_until?.getTime() ?? 0)
      expect(waits.length).toBeGreaterThan(0)
      expect(
        waits.filter((e) => e.heldBy !== null).every((e) => e.heldBy === held?.locked_by),
      ).toBe(true)
      expect(await lockRow(db, tables.migrationLockTableName)).toEqual(FREE)
    } finally {
      await first.destroy()
      await second.destroy()
    }
  })
})
