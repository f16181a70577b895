import { describe, expect, inject, it } from 'vitest'
import { createSql, NON_ADMIN_SCHEMA } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import { clusterConfig } from './cluster-config.ts'

describe('the non-admin schema is set at startup, without a SET', () => {
  it.skipIf(inject('iamArn') === '')(
    'the first query of a new non-admin connection already runs in myschema',
    async () => {
      const role = 'example_postgres_js'
      const admin = createSql(clusterConfig())
      try {
        await grantNonAdmin(admin, role, inject('iamArn'))
      } finally {
        await admin.end()
      }

      // postgres.js has no connect hook: only the startup message can have set it.
      const sql = createSql(clusterConfig({ DB_USER: role }), { max: 1 })
      try {
        const [row] = await sql`select current_schema() as schema`
        expect(row?.schema).toBe(NON_ADMIN_SCHEMA)
      } finally {
        await sql.end()
      }
    },
  )

  it('admin connections keep the default search_path (public)', async () => {
    const sql = createSql(clusterConfig(), { max: 1 })
    try {
      const [row] = await sql`select current_schema() as schema`
      expect(row?.schema).toBe('public')
    } finally {
      await sql.end()
    }
  })
})
