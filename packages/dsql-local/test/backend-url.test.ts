import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { captureLogger, pgClient, signerFor } from './helpers.ts'

const quiet = captureLogger().logger

describe('a backend given by URL that asks for passwords', () => {
  // A first stand-in's PostgreSQL stands in for "your own PostgreSQL": its superuser, over its
  // private socket, makes it ask every other role for a SCRAM password.
  let embedded: DsqlLocalCluster
  let superuser: pg.Client
  let socketDir: string
  beforeAll(async () => {
    embedded = await startDsqlLocal({ logger: quiet })
    const runDir = path.dirname(embedded.caFile)
    socketDir = path.join(runDir, 'socket')
    superuser = new pg.Client({
      host: socketDir,
      user: 'dsql_local_bootstrap',
      database: 'postgres',
    })
    await superuser.connect()
    await superuser.query('CREATE ROLE boss WITH LOGIN SUPERUSER')
    const rules = [
      'local all dsql_local_bootstrap trust',
      'local all boss trust',
      'local all all scram-sha-256',
    ]
    const lines = rules.map((rule) => pg.escapeLiteral(rule)).join(', ')
    const hbaFile = pg.escapeLiteral(path.join(runDir, 'data', 'pg_hba.conf'))
    await superuser.query(
      `COPY (SELECT rule FROM unnest(ARRAY[${lines}]) WITH ORDINALITY AS r(rule, n) ORDER BY n) TO ${hbaFile}`,
    )
    await superuser.query('SELECT pg_reload_conf()')
    // The postmaster reloads asynchronously: wait until `admin` is asked for a password.
    const askedForPassword = async () => {
      const probe = new pg.Client({ host: socketDir, user: 'admin', database: 'postgres' })
      const asked = await probe.connect().then(
        () => false,
        () => true,
      )
      await probe.end().catch(() => {})
      return asked
    }
    while (!(await askedForPassword())) await delay(20)
  })
  afterAll(async () => {
    await superuser?.end()
    await embedded?.stop()
  })

  /** A stand-in in front of that PostgreSQL, and a login as `admin` through it. */
  const frontOf = async (logger = quiet) => {
    const front = await startDsqlLocal({
      logger,
      backendUrl: `postgres://boss@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    })
    const login = async () => {
      const client = pgClient(front, {
        password: () => signerFor(front).getDbConnectAdminAuthToken(),
      })
      await client.connect()
      try {
        return (await client.query('SELECT current_user AS role')).rows
      } finally {
        await client.end()
      }
    }
    return { front, login }
  }

  it('lets a role in at its first login, though PostgreSQL asks before the password is set', async () => {
    const { front, login } = await frontOf()
    try {
      expect(await login()).toEqual([{ role: 'admin' }])
    } finally {
      await front.stop()
    }
  })

  it('tries a failed password reset again at the next login', async () => {
    const { lines, logger } = captureLogger()
    const { front, login } = await frontOf(logger)
    try {
      // The front's own role may not reset passwords for a moment: the first login fails.
      await superuser.query('ALTER ROLE boss NOSUPERUSER')
      await expect(login()).rejects.toThrow('could not open a backend session')
      expect(lines).toContainEqual(
        expect.stringMatching(/could not set a password for role "admin": permission denied/),
      )

      await superuser.query('ALTER ROLE boss SUPERUSER')
      expect(await login()).toEqual([{ role: 'admin' }])
      expect(await login()).toEqual([{ role: 'admin' }]) // the password that worked is kept
    } finally {
      await front.stop()
    }
  })
})
