import type pg from 'pg'
import type postgres from 'postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { captureLogger, pgClient, postgresJs, signerFor } from './helpers.ts'

const OC000 = { code: '40001', message: 'change conflicts with another transaction (OC000)' }
const OC001 = { code: '40001', message: 'schema has been updated by another transaction (OC001)' }
/**
 * How long a statement may take when another transaction holds what it needs. The holder keeps
 * its transaction open until after the statement returned, so waiting would never end; the bound
 * only has to tell "did not wait" from "waited", with room for a loaded CI machine.
 */
const NO_WAIT_MS = 1_500

let cluster: DsqlLocalCluster
const opened: Array<{ end(): Promise<unknown> }> = []
const log = captureLogger()

beforeAll(async () => {
  cluster = await startDsqlLocal({ logger: log.logger })
})
afterEach(async () => {
  await Promise.all(opened.splice(0).map((session) => session.end().catch(() => {})))
})
afterAll(() => cluster?.stop())

/** A new `pg` session as `admin` (each test's sessions end after it). */
async function session(): Promise<pg.Client> {
  const signer = signerFor(cluster)
  const client = pgClient(cluster, { password: () => signer.getDbConnectAdminAuthToken() })
  opened.push(client)
  await client.connect()
  return client
}

/** A postgres.js pool of one connection as `admin`. */
function postgresSession(): postgres.Sql {
  const signer = signerFor(cluster)
  const sql = postgresJs(cluster, { password: () => signer.getDbConnectAdminAuthToken() })
  opened.push(sql)
  return sql
}

/** Runs `statement` and returns how long it took, in ms (it must not wait for another transaction). */
async function timed<T>(statement: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now()
  const result = await statement()
  return { result, ms: performance.now() - started }
}

let tables = 0
/** A fresh table `name` with rows (1, 10) and (2, 20). */
async function table(client: pg.Client): Promise<string> {
  const name = `occ_${++tables}`
  await client.query(`CREATE TABLE ${name} (id int PRIMARY KEY, v int NOT NULL)`)
  await client.query(`INSERT INTO ${name} VALUES (1, 10), (2, 20)`)
  return name
}

async function rowValue(client: pg.Client, name: string, id = 1): Promise<number | undefined> {
  const { rows } = await client.query(`SELECT v FROM ${name} WHERE id = $1`, [id])
  return rows[0]?.v
}

describe('no statement waits for another transaction', () => {
  it('write-write on one row: the second writer goes on at once; the first fails at COMMIT (OC000)', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 11 WHERE id = 1`)
    await b.query('BEGIN')
    const { result, ms } = await timed(() => b.query(`UPDATE ${t} SET v = 12 WHERE id = 1`))
    expect(result.rowCount).toBe(1)
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await b.query('COMMIT')
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await rowValue(check, t)).toBe(12)
    // The loser's session is usable at once: its transaction is over.
    expect((await a.query('SELECT 1 AS one')).rows[0].one).toBe(1)
  })

  it('a holder with a statement in flight has it cancelled with OC000; the writer goes on', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 11 WHERE id = 1`)
    const sleeping = a.query('SELECT pg_sleep(30)').then(
      () => 'finished',
      (error: unknown) => error,
    )
    const { ms } = await timed(() => b.query(`UPDATE ${t} SET v = 12 WHERE id = 1`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    expect(await sleeping).toMatchObject(OC000)
    await a.query('ROLLBACK')
    expect(await rowValue(check, t)).toBe(12)
  })

  it('a doomed transaction hears of it on its next statement, then 25P02 until it ends', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`DELETE FROM ${t} WHERE id = 2`)
    await b.query(`UPDATE ${t} SET v = 21 WHERE id = 2`)
    await expect(a.query('SELECT 1')).rejects.toMatchObject(OC000)
    await expect(a.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' })
    // Once told, its COMMIT rolls back as after any error.
    const commit = await a.query('COMMIT')
    expect(commit.command).toBe('ROLLBACK')
    expect(await rowValue(check, t, 2)).toBe(21)
  })

  it('through postgres.js too: the second writer commits, the first fails at COMMIT', async () => {
    const a = postgresSession()
    const b = postgresSession()
    const check = await session()
    const t = await table(check)
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let wrote!: () => void
    const written = new Promise<void>((resolve) => {
      wrote = resolve
    })
    const first = a.begin(async (tx) => {
      await tx.unsafe(`UPDATE ${t} SET v = v + 1 WHERE id = 1`)
      wrote()
      await held
    })
    await written
    const { ms } = await timed(() =>
      b.begin((tx) => tx.unsafe(`UPDATE ${t} SET v = v + 100 WHERE id = 1`)),
    )
    expect(ms).toBeLessThan(NO_WAIT_MS)
    release()
    await expect(first).rejects.toMatchObject(OC000)
    expect(await rowValue(check, t)).toBe(110)
  })

  it('two inserts of one key: the second goes on, the first fails at COMMIT', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`INSERT INTO ${t} VALUES (3, 30)`)
    const { ms } = await timed(() => b.query(`INSERT INTO ${t} VALUES (3, 31)`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await rowValue(check, t, 3)).toBe(31)
  })

  it('disjoint rows never conflict; read-only transactions never conflict', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 11 WHERE id = 1`)
    await b.query(`UPDATE ${t} SET v = 21 WHERE id = 2`)
    await b.query('COMMIT')
    await a.query('COMMIT')
    expect([await rowValue(check, t, 1), await rowValue(check, t, 2)]).toEqual([11, 21])

    await a.query('BEGIN')
    expect(await rowValue(a, t)).toBe(11)
    await check.query(`UPDATE ${t} SET v = 12 WHERE id = 1`)
    // Its snapshot still shows the old value, and its COMMIT succeeds.
    expect(await rowValue(a, t)).toBe(11)
    expect((await a.query('COMMIT')).command).toBe('COMMIT')
  })

  it('a transaction reads its own writes while others read the committed row without waiting', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 15 WHERE id = 1`)
    expect(await rowValue(a, t)).toBe(15)
    const { result, ms } = await timed(() => rowValue(b, t))
    expect(result).toBe(10)
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await a.query('COMMIT')
    expect(await rowValue(check, t)).toBe(15)
  })
})

describe('under contention', () => {
  it('workers incrementing two rows lose no update: every conflict is a 40001, and retries finish', async () => {
    const check = await session()
    const t = await table(check)
    const workers = await Promise.all(Array.from({ length: 16 }, () => session()))
    const perWorker = 25
    const errors = new Map<string, number>()
    let attempts = 0
    await Promise.all(
      workers.map(async (client, w) => {
        for (let i = 0; i < perWorker; i++) {
          const id = 1 + ((w + i) % 2)
          for (;;) {
            attempts += 1
            try {
              await client.query('BEGIN')
              const { rows } = await client.query(`SELECT v FROM ${t} WHERE id = $1`, [id])
              await client.query(`UPDATE ${t} SET v = $1 WHERE id = $2`, [rows[0].v + 1, id])
              await client.query('COMMIT')
              break
            } catch (error) {
              const key = `${(error as { code?: string }).code} ${(error as Error).message}`
              errors.set(key, (errors.get(key) ?? 0) + 1)
              await client.query('ROLLBACK')
              if ((error as { code?: string }).code !== '40001') throw error
            }
          }
        }
      }),
    )
    // A lost update would leave the sum short of the committed increments.
    const total = (await rowValue(check, t, 1)) ?? 0
    const total2 = (await rowValue(check, t, 2)) ?? 0
    expect(total - 10 + (total2 - 20)).toBe(16 * perWorker)
    expect([...errors.keys()]).toEqual([`40001 ${OC000.message}`])
    expect(attempts).toBeGreaterThan(16 * perWorker)
  })
})

describe('conflicts with rows changed since the snapshot', () => {
  it('the order of commits decides: the first to commit wins, whichever wrote first', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    for (const [winner, loser, value] of [
      [a, b, 31],
      [b, a, 32],
    ] as const) {
      await winner.query('BEGIN')
      await loser.query('BEGIN')
      expect(await rowValue(winner, t)).toBeTypeOf('number')
      expect(await rowValue(loser, t)).toBeTypeOf('number')
      await winner.query(`UPDATE ${t} SET v = ${value} WHERE id = 1`)
      await winner.query('COMMIT')
      // The loser's write meets a row committed after its snapshot. DSQL fails it at COMMIT;
      // PostgreSQL has no result to give the UPDATE, so the stand-in fails the UPDATE itself.
      await expect(loser.query(`UPDATE ${t} SET v = 0 WHERE id = 1`)).rejects.toMatchObject(OC000)
      await loser.query('ROLLBACK')
      expect(await rowValue(check, t)).toBe(value)
    }
  })

  it('a write-write cycle ends without a deadlock: one transaction goes on', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 11 WHERE id = 1`)
    await b.query(`UPDATE ${t} SET v = 21 WHERE id = 2`)
    // a would wait for b: b loses, a goes on.
    const { ms } = await timed(() => a.query(`UPDATE ${t} SET v = 22 WHERE id = 2`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(b.query(`UPDATE ${t} SET v = 12 WHERE id = 1`)).rejects.toMatchObject(OC000)
    await b.query('ROLLBACK')
    await a.query('COMMIT')
    expect([await rowValue(check, t, 1), await rowValue(check, t, 2)]).toEqual([11, 22])
  })
})

describe('locking reads take part in conflicts', () => {
  it('SELECT ... FOR UPDATE against a write: the write goes on, the locker fails at COMMIT', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`SELECT v FROM ${t} WHERE id = 1 FOR UPDATE`)
    const { ms } = await timed(() => b.query(`UPDATE ${t} SET v = 12 WHERE id = 1`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await rowValue(check, t)).toBe(12)
  })

  it('FOR KEY SHARE against a DELETE conflicts; against an UPDATE of other columns it does not', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`SELECT v FROM ${t} WHERE id = 1 FOR KEY SHARE`)
    await b.query(`UPDATE ${t} SET v = 13 WHERE id = 1`)
    expect((await a.query('COMMIT')).command).toBe('COMMIT')

    await a.query('BEGIN')
    await a.query(`SELECT v FROM ${t} WHERE id = 1 FOR KEY SHARE`)
    const { ms } = await timed(() => b.query(`DELETE FROM ${t} WHERE id = 1`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await rowValue(check, t)).toBeUndefined()
  })
})

describe('foreign keys', () => {
  async function parentAndChild(check: pg.Client, onDelete = '') {
    const parent = `occ_parent_${++tables}`
    const child = `occ_child_${tables}`
    await check.query(`CREATE TABLE ${parent} (id int PRIMARY KEY)`)
    await check.query(
      `CREATE TABLE ${child} (id int PRIMARY KEY, parent_id int REFERENCES ${parent} (id) ${onDelete})`,
    )
    await check.query(`INSERT INTO ${parent} VALUES (1), (2)`)
    return { parent, child }
  }

  it("a child INSERT against its parent's DELETE: the insert goes on, the delete fails at COMMIT", async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const { parent, child } = await parentAndChild(check)
    await a.query('BEGIN')
    await a.query(`DELETE FROM ${parent} WHERE id = 1`)
    const { ms } = await timed(() => b.query(`INSERT INTO ${child} VALUES (1, 1)`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
    const { rows } = await check.query(`SELECT count(*)::int AS n FROM ${parent} WHERE id = 1`)
    expect(rows[0].n).toBe(1)
  })

  it("a parent's DELETE (ON DELETE CASCADE) against an open child INSERT: the child's transaction fails", async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const { parent, child } = await parentAndChild(check, 'ON DELETE CASCADE')
    await a.query('BEGIN')
    await a.query(`INSERT INTO ${child} VALUES (1, 2)`)
    const { result, ms } = await timed(() => b.query(`DELETE FROM ${parent} WHERE id = 2`))
    expect(result.rowCount).toBe(1)
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
    const { rows } = await check.query(`SELECT count(*)::int AS n FROM ${child}`)
    expect(rows[0].n).toBe(0)
  })

  it('a child INSERT after its parent was deleted and committed since the snapshot fails (OC000)', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const { parent, child } = await parentAndChild(check)
    await a.query('BEGIN')
    await a.query(`SELECT count(*) FROM ${parent}`)
    await b.query(`DELETE FROM ${parent} WHERE id = 1`)
    await expect(a.query(`INSERT INTO ${child} VALUES (1, 1)`)).rejects.toMatchObject(OC000)
    await a.query('ROLLBACK')
  })
})

describe('schema changes (OC001)', () => {
  it('DDL does not wait for an open transaction; that transaction fails on its next statement', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`SELECT count(*) FROM ${t}`)
    const { ms } = await timed(() => b.query(`ALTER TABLE ${t} ADD COLUMN note text`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(a.query(`SELECT count(*) FROM ${t}`)).rejects.toMatchObject(OC001)
    await a.query('ROLLBACK')
  })

  it('a transaction that holds none of the changed table goes on', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const [t, other] = [await table(check), await table(check)]
    await a.query('BEGIN')
    await a.query(`UPDATE ${other} SET v = 11 WHERE id = 1`)
    await b.query(`ALTER TABLE ${t} ADD COLUMN note text`)
    expect((await a.query('COMMIT')).command).toBe('COMMIT')
    expect(await rowValue(check, other)).toBe(11)
  })

  it('... or at its COMMIT; a writing transaction loses its writes', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 11 WHERE id = 1`)
    const { ms } = await timed(() => b.query(`CREATE INDEX ASYNC ${t}_v ON ${t} (v)`))
    expect(ms).toBeLessThan(NO_WAIT_MS)
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC001)
    expect(await rowValue(check, t)).toBe(10)
  })

  it('a statement that meets an uncommitted schema change fails at once with OC001 (stand-in difference)', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    await a.query('BEGIN')
    await a.query(`ALTER TABLE ${t} ADD COLUMN note text`)
    // DSQL would answer from the old schema; PostgreSQL cannot read the table until a ends.
    const started = performance.now()
    await expect(b.query(`SELECT count(*) FROM ${t}`)).rejects.toMatchObject(OC001)
    expect(performance.now() - started).toBeLessThan(NO_WAIT_MS)
    await a.query('COMMIT')
    const { rows } = await check.query(`SELECT count(*)::int AS n FROM ${t}`)
    expect(rows[0].n).toBe(2)
  })
})

describe('injected conflicts', () => {
  it('fail the next N COMMITs with OC000, roll them back, and then let COMMITs through', async () => {
    const [a, check] = [await session(), await session()]
    const t = await table(check)
    cluster.injectConflicts({ count: 2 })
    for (const value of [41, 42]) {
      await a.query('BEGIN')
      await a.query(`UPDATE ${t} SET v = ${value} WHERE id = 1`)
      await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
      expect(await rowValue(check, t)).toBe(10)
    }
    await a.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 43 WHERE id = 1`)
    expect((await a.query('COMMIT')).command).toBe('COMMIT')
    expect(await rowValue(check, t)).toBe(43)
  })

  it('with OC001, through the extended protocol (a prepared COMMIT)', async () => {
    const [a, check] = [await session(), await session()]
    const t = await table(check)
    cluster.injectConflicts({ code: 'OC001' })
    await a.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 44 WHERE id = 1`)
    await expect(a.query({ name: 'commit', text: 'COMMIT' })).rejects.toMatchObject(OC001)
    expect((await a.query('SELECT 1 AS one')).rows[0].one).toBe(1)
    expect(await rowValue(check, t)).toBe(10)
  })

  it('only for one session, named by sys.current_session_id()', async () => {
    const [a, b, check] = [await session(), await session(), await session()]
    const t = await table(check)
    const { rows } = await b.query('SELECT sys.current_session_id() AS id')
    cluster.injectConflicts({ sessionId: rows[0].id })
    await a.query('BEGIN')
    await a.query(`UPDATE ${t} SET v = 51 WHERE id = 1`)
    expect((await a.query('COMMIT')).command).toBe('COMMIT')
    await b.query('BEGIN')
    await b.query(`UPDATE ${t} SET v = 52 WHERE id = 2`)
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect([await rowValue(check, t, 1), await rowValue(check, t, 2)]).toEqual([51, 20])
  })

  it('only for one role, through postgres.js', async () => {
    const check = await session()
    const t = await table(check)
    const role = `occ_role_${tables}`
    await check.query(`CREATE ROLE ${role} WITH LOGIN`)
    await check.query(`AWS IAM GRANT ${role} TO '${cluster.credentials.arn}'`)
    await check.query(`GRANT SELECT, UPDATE ON ${t} TO ${role}`)
    cluster.injectConflicts({ role })
    const admin = postgresSession()
    await admin.begin((tx) => tx.unsafe(`UPDATE ${t} SET v = 61 WHERE id = 1`))
    const signer = signerFor(cluster)
    const other = postgresJs(cluster, {
      user: role,
      password: () => signer.getDbConnectAuthToken(),
    })
    opened.push(other)
    await expect(
      other.begin((tx) => tx.unsafe(`UPDATE ${t} SET v = 62 WHERE id = 1`)),
    ).rejects.toMatchObject(OC000)
    await other.begin((tx) => tx.unsafe(`UPDATE ${t} SET v = 63 WHERE id = 2`))
    expect([await rowValue(check, t, 1), await rowValue(check, t, 2)]).toEqual([61, 63])
  })

  it('refuses a bad injection with an error that names the field', () => {
    expect(() => cluster.injectConflicts({ count: 0 })).toThrow(/count must be a whole number/)
    expect(() => cluster.injectConflicts({ code: 'OC002' as 'OC000' })).toThrow(/code must be/)
  })
})

describe('the start option', () => {
  it('injectConflicts at start fails the first COMMITs', async () => {
    const own = await startDsqlLocal({ logger: log.logger, injectConflicts: [{ count: 1 }] })
    try {
      const signer = signerFor(own)
      const client = pgClient(own, { password: () => signer.getDbConnectAdminAuthToken() })
      opened.push(client)
      await client.connect()
      await client.query('BEGIN')
      await expect(client.query('COMMIT')).rejects.toMatchObject(OC000)
      await client.query('BEGIN')
      expect((await client.query('COMMIT')).command).toBe('COMMIT')
    } finally {
      await Promise.all(opened.splice(0).map((s) => s.end().catch(() => {})))
      await own.stop()
    }
  })

  it('refuses a bad injection at start', async () => {
    await expect(
      startDsqlLocal({ logger: log.logger, injectConflicts: [{ count: -1 }] }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })
})
