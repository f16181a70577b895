import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { createPool } from '../src/db.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig, sleep, waitFor } from './cluster-config.ts'

/** Open sockets of this process (TCP and TLS wraps), as Node counts them. */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Pipe/.test(r)).length
}

describe('the pool', () => {
  it('replaces a connection after its max lifetime: a new session serves the next query', async () => {
    const pool = createPool(clusterConfig(), { max: 1, maxLifetimeSeconds: 1 })
    try {
      const first = await pool.query('select sys.current_session_id() as id')
      expect((await pool.query('select sys.current_session_id() as id')).rows[0].id).toBe(
        first.rows[0].id,
      )
      await sleep(1_500)
      const later = await pool.query('select sys.current_session_id() as id')
      expect(later.rows[0].id).not.toBe(first.rows[0].id)
    } finally {
      await pool.end()
    }
  })

  it('runs 50 concurrent queries on 10 connections, then ends without leaving a socket open', async () => {
    const before = openSockets()
    const pool = createPool(clusterConfig(), { max: 10 })
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        pool.query('select $1::int as i, sys.current_session_id() as id', [i]),
      ),
    )
    expect(results.map((r) => r.rows[0].i)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(pool.totalCount).toBeLessThanOrEqual(10)
    expect(new Set(results.map((r) => r.rows[0].id)).size).toBeGreaterThan(1)
    const during = openSockets()
    expect(during).toBeGreaterThan(before) // the count sees the pool's sockets
    await pool.end()
    // Sockets close on later turns of the event loop, slower on a busy machine.
    expect(await waitFor(() => openSockets() <= before)).toBe(true)
  })
})

describe('a transaction whose connection drops', () => {
  it('fails (it is not retried), the process goes on, and the broken connection is not reused', async () => {
    const pool = createPool(clusterConfig(), { max: 2 })
    try {
      let victim = 0
      const failed = await transaction(pool, async (client) => {
        victim = (await client.query('select pg_backend_pid() as pid')).rows[0].pid
        // Another session ends this one, as a server restart or a network fault would.
        await pool.query('select pg_terminate_backend($1)', [victim])
        await client.query('select 1')
      }).catch((error: unknown) => error)
      // pg reports the server's FATAL 57P01 as an 'error' event, and the next statement fails.
      expect(failed).toBeInstanceOf(Error)
      expect((failed as Error).message).toMatch(/connection/i)
      const { rows } = await pool.query('select pg_backend_pid() as pid')
      expect(rows[0].pid).not.toBe(victim)
    } finally {
      await pool.end()
    }
  })
})

describe('TLS', () => {
  it.runIf(inject('local'))('a client that does not trust the cluster CA is refused', async () => {
    const pool = createPool(clusterConfig({ DB_SSL_ROOT_CERT: '' }))
    try {
      await expect(pool.query('select 1')).rejects.toMatchObject({
        code: expect.stringMatching(
          /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/,
        ),
      })
    } finally {
      await pool.end()
    }
  })

  it.runIf(inject('local'))('a client that expects another host name is refused', async () => {
    const config = clusterConfig()
    const pool = createPool({ ...config, endpoint: `other-${config.endpoint}` })
    try {
      await expect(pool.query('select 1')).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      })
    } finally {
      await pool.end()
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
