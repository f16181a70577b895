import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { captureLogger, pgClient, postgresJs, signerFor } from './helpers.ts'
import { RawConnection } from './raw-connection.ts'

const maxMessageBytes = 64 * 1024
const maxConnectionDurationMs = 2000

/** A simple Query whose length word is exactly `length`; it answers how many `x` it carried. */
function queryOfLength(length: number): { message: Buffer; xs: number } {
  // Length word (4) + "SELECT length('" + xs + "')" + NUL.
  const xs = length - 4 - "SELECT length('')".length - 1
  const message = RawConnection.query(`SELECT length('${'x'.repeat(xs)}')`)
  expect(message.readInt32BE(1)).toBe(length)
  return { message, xs }
}

describe('session rules: maximum duration, message size, startup options', () => {
  const { lines, logger } = captureLogger()
  let cluster: DsqlLocalCluster
  const adminToken = () => signerFor(cluster).getDbConnectAdminAuthToken()

  beforeAll(async () => {
    cluster = await startDsqlLocal({ logger, maxMessageBytes, maxConnectionDurationMs })
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('closes a session at the maximum duration without an ErrorResponse', async () => {
    const raw = await RawConnection.open(cluster, 'direct')
    try {
      const started = Date.now()
      await raw.login('admin', await adminToken())
      expect(await raw.query('SELECT 1')).toEqual(['1'])
      expect(await raw.untilClosed()).toEqual([])
      expect(Date.now() - started).toBeGreaterThanOrEqual(maxConnectionDurationMs - 10)
      expect(lines.join('\n')).toMatch(
        /closed session of "admin" from .*: maximum duration reached/,
      )
    } finally {
      raw.socket.destroy()
    }
  })

  it('relays a message of exactly maxMessageBytes', async () => {
    const raw = await RawConnection.open(cluster, 'direct')
    try {
      await raw.login('admin', await adminToken())
      const { message, xs } = queryOfLength(maxMessageBytes)
      await raw.send(message)
      const answer = await raw.until('Z')
      const row = answer.find((m) => m.type === 'D')
      expect(row?.body.toString('utf8', 6)).toBe(String(xs))
    } finally {
      raw.socket.destroy()
    }
  })

  it('closes the connection on a message one byte larger, without an ErrorResponse', async () => {
    const raw = await RawConnection.open(cluster, 'direct')
    try {
      await raw.login('admin', await adminToken())
      await raw.send(queryOfLength(maxMessageBytes + 1).message)
      expect(await raw.untilClosed()).toEqual([])
      expect(lines.join('\n')).toMatch(
        `protocol message of ${maxMessageBytes + 1} bytes is larger than maxMessageBytes (${maxMessageBytes})`,
      )
    } finally {
      raw.socket.destroy()
    }
    // A driver sees its connection end: here a pg extended-protocol Bind with a large value.
    const client = pgClient(cluster, { password: adminToken })
    await client.connect()
    try {
      await expect(
        client.query('SELECT length($1::text) AS n', ['y'.repeat(maxMessageBytes)]),
      ).rejects.toThrow(/Connection terminated/)
    } finally {
      await client.end().catch(() => {})
    }
  })

  it('applies search_path from the startup parameter options, from the first query on', async () => {
    const admin = pgClient(cluster, { password: adminToken })
    await admin.connect()
    try {
      await admin.query('CREATE SCHEMA IF NOT EXISTS startup_opts')
      await admin.query('CREATE TABLE IF NOT EXISTS startup_opts.marker (id int PRIMARY KEY)')
      await admin.query('INSERT INTO startup_opts.marker VALUES (7) ON CONFLICT DO NOTHING')
    } finally {
      await admin.end()
    }
    const options = '-c search_path=startup_opts'

    const client = pgClient(cluster, { password: adminToken, options })
    await client.connect()
    try {
      // The very first statement of the session, unqualified.
      expect((await client.query('SELECT id FROM marker')).rows).toEqual([{ id: 7 }])
      expect((await client.query('SHOW search_path')).rows).toEqual([
        { search_path: 'startup_opts' },
      ])
    } finally {
      await client.end()
    }

    // postgres.js sends every key of `connection` as a startup parameter.
    const sql = postgresJs(cluster, { password: adminToken, connection: { options } })
    try {
      expect(await sql`SELECT id FROM marker`).toEqual([{ id: 7 }])
      expect(await sql`SHOW search_path`).toEqual([{ search_path: 'startup_opts' }])
    } finally {
      await sql.end()
    }
  })
})
