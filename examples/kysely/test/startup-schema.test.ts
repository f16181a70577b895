import { sql } from 'kysely'
import { describe, expect, inject, it } from 'vitest'
import { createDb, NON_ADMIN_SCHEMA } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import { clusterConfig } from './cluster-config.ts'

describe('the non-admin schema is set at startup, without a SET', () => {
  it.skipIf(inject('iamArn') === '')(
    'the first query of a new non-admin connection already runs in myschema',
    async () => {
      const role = 'example_kysely'
      const admin = createDb(clusterConfig())
      try {
        await grantNonAdmin(admin, role, inject('iamArn'))
      } finally {
        await admin.destroy()
      }

      // Raw SQL: withSchema does not rewrite it, so only the startup search_path can answer.
      const db = createDb(clusterConfig({ DB_USER: role }), { max: 1 })
      try {
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
          db,
        )
        expect(rows[0]?.schema).toBe(NON_ADMIN_SCHEMA)
      } finally {
        await db.destroy()
      }
    },
  )

  it('admin connections keep the default search_path (public)', async () => {
    const db = createDb(clusterConfig(), { max: 1 })
    try {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
      expect(rows[0]?.schema).toBe('public')
    } finally {
      await db.destroy()
    }
  })
})
