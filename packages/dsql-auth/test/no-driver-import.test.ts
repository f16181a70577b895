import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '..', 'src')
const DRIVERS = ['pg', 'pg-pool', 'pg-protocol', 'postgres', 'kysely']

describe('dsql-auth depends on shapes, not drivers', () => {
  it('no source file imports a PostgreSQL driver', () => {
    const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(5)
    for (const file of files) {
      const text = readFileSync(join(SRC, file), 'utf8')
      const imported = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1])
      for (const name of imported) expect(DRIVERS, `${file} imports ${name}`).not.toContain(name)
    }
  })

  it('the package has no driver among its runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    for (const driver of DRIVERS) expect(Object.keys(pkg.dependencies)).not.toContain(driver)
  })
})
