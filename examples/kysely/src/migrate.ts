/**
 * `pnpm migrate [latest|up|down|status]`: manages the example's schema with Kysely's `Migrator`,
 * set up for Aurora DSQL (see `src/migrator`). Connection settings come from the environment, as
 * for `pnpm start`; a non-admin role migrates its own schema, `myschema`.
 *
 * - `latest` (default): applies every pending migration;
 * - `up`: applies the next pending migration;
 * - `down`: undoes the last applied migration;
 * - `status`: lists every migration, applied (and when) or pending.
 *
 * Several migrators may start at once (deploys of many instances): one takes the migration lock
 * and applies the pending migrations; the others wait for it, then find nothing left to do.
 * Exit code 0 on success (also when there was nothing to do), 1 on failure, 2 for a bad command.
 */
import { loadConfig, sqlState } from 'dsql-auth'
import type { MigrationInfo, MigrationResult } from 'kysely/migration'
import { createDb, schemaFor } from './db.ts'
import { createMigrator, type MigrationCommand, runMigrations } from './migrator/dsql-migrator.ts'
import type { LockWaitEvent } from './migrator/migration-lease.ts'

const COMMANDS = ['latest', 'up', 'down', 'status'] as const
type Command = (typeof COMMANDS)[number]

const command = process.argv[2] ?? 'latest'
if (isCommand(command)) {
  await migrate(command)
} else {
  console.error(`migrate: unknown command "${command}"; usage: migrate [${COMMANDS.join('|')}]`)
  process.exitCode = 2
}

async function migrate(command: Command): Promise<void> {
  try {
    const config = loadConfig()
    const schema = schemaFor(config.user)
    console.log(`migrate: ${command} as ${config.user}@${config.endpoint}, schema ${schema}`)
    const db = createDb(config, { migrationLock: { onWait: reportWait } })
    try {
      const migrator = createMigrator(db, { schema })
      if (command !== 'status') report(command, await runMigrations(migrator, command))
      const migrations = await migrator.getMigrations()
      if (command === 'status') for (const line of statusLines(migrations)) console.log(line)
      const applied = migrations.filter((m) => m.executedAt !== undefined).length
      console.log(`migrate: ${applied} of ${migrations.length} migrations applied`)
    } finally {
      await db.destroy()
    }
  } catch (error) {
    // Each error in the chain, with its SQLSTATE when the database raised it; never a token.
    console.error(`migrate: ${command} failed: ${describe(error)}`)
    for (let cause = causeOf(error); cause !== undefined; cause = causeOf(cause)) {
      console.error(`  caused by: ${describe(cause)}`)
    }
    process.exitCode = 1
  }
}

function reportWait(event: LockWaitEvent): void {
  if (event.attempt !== 1) return
  const holder = event.heldBy ?? 'another migrator'
  const until = event.until === null ? '' : ` (lease until ${event.until.toISOString()})`
  console.log(`migrate: waiting for the migration lock, held by ${holder}${until}`)
}

function report(command: MigrationCommand, results: readonly MigrationResult[]): void {
  for (const { migrationName, direction, status } of results) {
    const done = direction === 'Up' ? 'applied' : 'reverted'
    console.log(
      status === 'Success' ? `  ✓ ${done} ${migrationName}` : `  - skipped ${migrationName}`,
    )
  }
  if (results.length === 0) {
    console.log(
      `migrate: nothing to do: ${command === 'down' ? 'no migration is applied' : 'no pending migrations'}`,
    )
  }
}

function statusLines(migrations: readonly MigrationInfo[]): string[] {
  return migrations.map(({ name, executedAt }) =>
    executedAt === undefined
      ? `  pending  ${name}`
      : `  applied  ${name}  ${executedAt.toISOString()}`,
  )
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const state = sqlState(error)
  // sqlState looks through causes; name it only on the error that carries it.
  const own = state !== undefined && (error as { code?: unknown }).code === state
  return `${own ? `SQLSTATE ${state} ` : ''}${error.message}`
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined
}

function isCommand(value: string): value is Command {
  return (COMMANDS as readonly string[]).includes(value)
}
