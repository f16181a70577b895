import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { createSql } from '../src/db.ts'
import { clusterConfig, sleep, waitFor } from './cluster-config.ts'

/** Open sockets of this process (TCP and TLS wraps), as Node counts them. */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Pipe/.test(r)).length
}

describe('the pool', () => {
  it('replaces a connection after its max lifetime: a new session serves the next query', async () => {
    const sql = createSql(clusterConfig(), { max: 1, maxLifetimeSeconds: 1 })
    try {
      const [first] = await sql`select sys.current_session_id() as id`
      const [again] = await sql`select sys.current_session_id() as id`
      expect(again?.id).toBe(first?.id)
      await sleep(1_500)
      const [later] = await sql`select sys.current_session_id() as id`
      expect(later?.id).not.toBe(first?.id)
    } finally {
      await sql.end()
    }
  })

  it('runs 50 concurrent queries on 10 connections, then ends without leaving a socket open', async () => {
    const before = openSockets()
    const sql = createSql(clusterConfig(), { max: 10 })
    const results = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) => sql`select ${i}::int as i, sys.current_session_id() as id`,
      ),
    )
    expect(results.map((rows) => rows[0]?.i)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    const sessions = new Set(results.map((rows) => rows[0]?.id))
    expect(sessions.size).toBeGreaterThan(1)
    expect(sessions.size).toBeLessThanOrEqual(10)
    const during = openSockets()
    expect(during).toBeGreaterThan(before) // the count sees the pool's sockets
    await sql.end()
    // Sockets close on later turns of the event loop, slower on a busy machine.
    expect(await waitFor(() => openSockets() <= before)).toBe(true)
  })
})

describe('TLS', () => {
  it.runIf(inject('local'))('a client that does not trust the cluster CA is refused', async () => {
    const sql = createSql(clusterConfig({ DB_SSL_ROOT_CERT: '' }))
    try {
      await expect(sql`select 1`).rejects.toMatchObject({
        code: expect.stringMatching(
          /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/,
        ),
      })
    } finally {
      await sql.end()
    }
  })

  it.runIf(inject('local'))('a client that expects another host name is refused', async () => {
    const config = clusterConfig()
    const sql = createSql({ ...config, endpoint: `other-${config.endpoint}` })
    try {
      await expect(sql`select 1`).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    } finally {
      await sql.end()
    }
  })

  it('no source file can switch certificate verification off', () => {
    const dir = join(import.meta.dirname, '..', 'src')
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8')
      expect(text, file).not.toMatch(
        /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/,
      )
    }
  })
})
