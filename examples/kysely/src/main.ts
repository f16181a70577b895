/**
 * The example program: `pnpm start`. Reads the connection settings from the environment
 * (see `.env.example`), brings the schema to the latest migration, runs the owner CRUD example and
 * exits 0 only if every step checked out.
 */
import { type DsqlConfig, loadConfig } from 'dsql-auth'
import { createDb, schemaFor } from './db.ts'
import { createMigrator, runMigrations } from './migrator/dsql-migrator.ts'
import { runExample } from './run-example.ts'

/**
 * What `pnpm migrate` does, so that the program runs on a fresh cluster too. Many instances may
 * start at once: one applies the pending migrations while the others wait for its lock. It has an
 * instance of its own, ended before the example starts (whose first step times a cold connect).
 */
async function migrateToLatest(config: DsqlConfig): Promise<void> {
  const db = createDb(config, { max: 2 })
  try {
    const applied = await runMigrations(createMigrator(db, { schema: schemaFor(config.user) }))
    console.log(
      applied.length === 0
        ? '  ✓ schema is up to date'
        : `  ✓ applied migrations ${applied.map((r) => r.migrationName).join(', ')}`,
    )
  } finally {
    await db.destroy()
  }
}

try {
  const config = loadConfig()
  console.log(`kysely: ${config.user}@${config.endpoint}:${config.port}`)
  await migrateToLatest(config)
  const db = createDb(config)
  try {
    const report = await runExample(db, console.log)
    console.log(
      `summary: ${report.steps.length} steps passed, ` +
        `connect ${report.connectMs.toFixed(0)} ms, total ${report.totalMs.toFixed(0)} ms`,
    )
  } finally {
    await db.destroy()
  }
} catch (error) {
  // Messages from dsql-auth, the migrator and the driver name the problem; never a token.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : ''
  console.error(
    `kysely: the example failed: ${error instanceof Error ? error.message : String(error)}` +
      (cause ? ` (caused by: ${cause})` : ''),
  )
  process.exitCode = 1
}
