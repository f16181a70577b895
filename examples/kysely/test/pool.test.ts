import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { describe, expect, inject, it } from 'vitest'
import { createDb } from '../src/db.ts'
import { clusterConfig, sleep, waitFor } from './cluster-config.ts'

/** Open sockets of this process (TCP and TLS wraps), as Node counts them. */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Pipe/.test(r)).length
}

const sessionId = sql<{ id: string }>`select sys.current_session_id() as id`

describe('the pool', () => {
  it('replaces a connection after its max lifetime: a new session serves the next query', async () => {
    const db = createDb(clusterConfig(), { max: 1, maxLifetimeSeconds: 1 })
    try {
      const first = (await sessionId.execute(db)).rows[0]?.id
      expect((await sessionId.execute(db)).rows[0]?.id).toBe(first)
      await sleep(1_500)
      expect((await sessionId.execute(db)).rows[0]?.id).not.toBe(first)
    } finally {
      await db.destroy()
    }
  })

  it('runs 50 concurrent queries on 10 connections, then ends without leaving a socket open', async () => {
    const before = openSockets()
    const db = createDb(clusterConfig(), { max: 10 })
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        sql<{
          i: number
          id: string
        }>`select ${i}::int as i, sys.current_session_id() as id`.execute(db),
      ),
    )
    expect(results.map((r) => r.rows[0]?.i)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    const sessions = new Set(results.map((r) => r.rows[0]?.id))
    expect(sessions.size).toBeGreaterThan(1)
    expect(sessions.size).toBeLessThanOrEqual(10)
    const during = openSockets()
    expect(during).toBeGreaterThan(before) // the count sees the pool's sockets
    await db.destroy()
    // Sockets close on later turns of the event loop, slower on a busy machine.
    expect(await waitFor(() => openSockets() <= before)).toBe(true)
  })
})

describe('TLS', () => {
  it.runIf(inject('local'))('a client that does not trust the cluster CA is refused', async () => {
    const db = createDb(clusterConfig({ DB_SSL_ROOT_CERT: '' }))
    try {
      await expect(sql`select 1`.execute(db)).rejects.toMatchObject({
        code: expect.stringMatching(
          /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/,
        ),
      })
    } finally {
      await db.destroy()
    }
  })

  it.runIf(inject('local'))('a client that expects another host name is refused', async () => {
    const config = clusterConfig()
    const db = createDb({ ...config, endpoint: `other-${config.endpoint}` })
    try {
      await expect(sql`select 1`.execute(db)).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      })
    } finally {
      await db.destroy()
    }
  })

  it('no source file can switch certificate verification off', () => {
    const dir = join(import.meta.dirname, '..', 'src')
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    )
    expect(files).toContain(join('migrator', 'dsql-dialect.ts')) // folders included
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8')
      expect(text, file).not.toMatch(
        /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/,
      )
    }
  })
})
