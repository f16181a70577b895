import { sql } from 'kysely'
import { describe, expect, inject, it } from 'vitest'
import { createDb } from '../src/db.ts'
import { clusterConfig } from './cluster-config.ts'

/**
 * Credentials that are wrong the first time they are asked for and right after that, as when a
 * rotated or expired key is still cached: the stand-in refuses the token signed with them.
 */
function wrongOnce(): {
  credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }>
  calls: () => number
} {
  let calls = 0
  const right = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
  }
  return {
    credentials: async () => (calls++ === 0 ? { ...right, secretAccessKey: 'not-the-key' } : right),
    calls: () => calls,
  }
}

describe('a token DSQL refused', () => {
  it.skipIf(!inject('local'))(
    'is not handed to the next connection: it fails once with 08006, then a new token connects',
    async () => {
      const source = wrongOnce()
      const db = createDb(clusterConfig(), { credentials: source.credentials })
      try {
        await expect(sql`select 1`.execute(db)).rejects.toMatchObject({
          code: '08006',
          message: 'unable to accept connection, access denied',
        })
        const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db)
        expect(rows[0]?.one).toBe(1)
        expect(source.calls()).toBe(2)
      } finally {
        await db.destroy()
      }
    },
  )
})
