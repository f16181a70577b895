import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { APPLICATION_NAME, createDb } from '../src/db.ts'
import { clusterConfig } from './cluster-config.ts'

// The package's own name: a copy renamed by `pnpm create-app` reports its new name.
const { name, version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { name: string; version: string }

describe('application_name', () => {
  it('every session names the package and its version, as the server reports it', async () => {
    expect(APPLICATION_NAME).toBe(`${name}/${version}`)
    const db = createDb(clusterConfig(), { max: 2 })
    try {
      const [shown, setting] = await Promise.all([
        sql<{ application_name: string }>`show application_name`.execute(db),
        sql<{ name: string }>`select current_setting('application_name') as name`.execute(db),
      ])
      expect(shown.rows[0]?.application_name).toBe(APPLICATION_NAME)
      expect(setting.rows[0]?.name).toBe(APPLICATION_NAME)
    } finally {
      await db.destroy()
    }
  })
})
