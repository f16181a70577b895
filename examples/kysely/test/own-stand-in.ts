import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { DsqlConfig } from 'dsql-auth'
import type { DsqlLocalCluster } from 'dsql-local'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll } from 'vitest'
import type { Database } from '../src/database.ts'
import { createDb, type DbOptions } from '../src/db.ts'
import { clusterConfig } from './cluster-config.ts'

/**
 * A stand-in of a test file's own, for tests that need an empty database (the run's shared one
 * holds other tests' tables). It keeps the statements it refused, so that a test can check that
 * the migrator sends DSQL nothing it refuses. Only on the stand-in: skip such tests on a real
 * cluster with `it.skipIf(!inject('local'))`.
 */
export interface OwnStandIn {
  readonly cluster: DsqlLocalCluster
  /** The stand-in's log line for each statement it refused, in order. */
  readonly refusals: string[]
  /** The example's configuration for this stand-in. */
  config(): DsqlConfig
  /** A Kysely instance as the example makes it, signing with the stand-in's credentials. */
  db(options?: DbOptions): Kysely<Database>
  /** Runs `node src/migrate.ts <args>` against this stand-in, as a user would, in a new process. */
  migrate(...args: string[]): Promise<CliRun>
  stop(): Promise<void>
}

/** What a command printed, and how it ended. */
export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const EXAMPLE_DIR = join(import.meta.dirname, '..')

/** Starts a quiet stand-in; errors of the stand-in itself still show. */
export async function startOwnStandIn(): Promise<OwnStandIn> {
  // Imported here, so that a copy of the folder without dsql-local still tests a real cluster.
  const { startDsqlLocal } = await import('dsql-local')
  const refusals: string[] = []
  const cluster = await startDsqlLocal({
    logger: {
      info: () => {},
      warn: (line) => {
        if (line.startsWith('refused a statement')) refusals.push(line)
      },
      error: (line) => console.error(`dsql-local: ${line}`),
    },
  })
  const config = () => clusterConfig(cluster.env)
  return {
    cluster,
    refusals,
    config,
    db: (options = {}) => createDb(config(), { credentials: cluster.credentials, ...options }),
    migrate: (...args) => runCli(args, cluster.env),
    stop: () => cluster.stop(),
  }
}

/**
 * Gives the enclosing `describe` a stand-in of its own: started before its tests, with a Kysely
 * instance as the example makes it (handed to `use` once both exist), and both closed after them.
 *
 * @example
 * ```ts
 * let db: Kysely<Database>
 * useOwnStandIn((_, started) => { db = started })
 * ```
 */
export function useOwnStandIn(use: (standIn: OwnStandIn, db: Kysely<Database>) => void): void {
  let standIn: OwnStandIn | undefined
  let db: Kysely<Database> | undefined
  beforeAll(async () => {
    standIn = await startOwnStandIn()
    db = standIn.db()
    use(standIn, db)
  })
  afterAll(async () => {
    await db?.destroy()
    await standIn?.stop()
  })
}

function runCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliRun> {
  const child = spawn(process.execPath, ['src/migrate.ts', ...args], {
    cwd: EXAMPLE_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
