import { describe, expect, inject, it } from 'vitest'
import { createPool, NON_ADMIN_SCHEMA } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import { clusterConfig } from './cluster-config.ts'

describe('the non-admin schema is set at startup, without a SET', () => {
  it.skipIf(inject('iamArn') === '')(
    'the first query of a new non-admin connection already runs in myschema',
    async () => {
      const role = 'example_pg'
      const admin = createPool(clusterConfig())
      try {
        await grantNonAdmin(admin, role, inject('iamArn'))
      } finally {
        await admin.end()
      }

      const pool = createPool(clusterConfig({ DB_USER: role }))
      try {
        // No hook runs after connecting: the search_path travels in the startup message.
        expect(pool.options.onConnect).toBeUndefined()
        expect(pool.options.options).toBe(`-c search_path=${NON_ADMIN_SCHEMA}`)
        expect(pool.totalCount).toBe(0)
        const { rows } = await pool.query('select current_schema() as schema')
        expect(rows[0].schema).toBe(NON_ADMIN_SCHEMA)
        expect(pool.totalCount).toBe(1)
      } finally {
        await pool.end()
      }
    },
  )

  it('admin connections keep the default search_path (public)', async () => {
    const pool = createPool(clusterConfig())
    try {
      expect(pool.options.options).toBeUndefined()
      const { rows } = await pool.query('select current_schema() as schema')
      expect(rows[0].schema).toBe('public')
    } finally {
      await pool.end()
    }
  })
})
