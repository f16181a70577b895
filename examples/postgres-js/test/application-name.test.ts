import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { APPLICATION_NAME, createSql } from '../src/db.ts'
import { clusterConfig } from './cluster-config.ts'

// The package's own name: a copy renamed by `pnpm create-app` reports its new name.
const { name, version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { name: string; version: string }

describe('application_name', () => {
  it('every session names the package and its version, as the server reports it', async () => {
    expect(APPLICATION_NAME).toBe(`${name}/${version}`)
    const sql = createSql(clusterConfig(), { max: 2 })
    try {
      const [shown, setting] = await Promise.all([
        sql<{ application_name: string }[]>`show application_name`,
        sql<{ name: string }[]>`select current_setting('application_name') as name`,
      ])
      expect(shown[0]?.application_name).toBe(APPLICATION_NAME)
      expect(setting[0]?.name).toBe(APPLICATION_NAME)
    } finally {
      await sql.end()
    }
  })
})
