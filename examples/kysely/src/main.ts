/**
 * The example program: `pnpm start`. Reads the connection settings from the environment
 * (see `.env.example`), runs the owner CRUD example and exits 0 only if every step checked out.
 */
import { loadConfig } from 'dsql-auth'
import { createDb } from './db.ts'
import { runExample } from './run-example.ts'

try {
  const config = loadConfig()
  console.log(`kysely: ${config.user}@${config.endpoint}:${config.port}`)
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
  // Messages from dsql-auth and the driver name the problem; they never contain a token.
  console.error(
    `kysely: the example failed: ${error instanceof Error ? error.message : String(error)}`,
  )
  process.exitCode = 1
}
