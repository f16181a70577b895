import { join } from 'node:path'
import { createTokenProvider, loadConfig } from 'dsql-auth'
import { createPool } from '../../examples/pg/src/db.ts'
import { grantNonAdmin } from '../../examples/pg/src/grant-non-admin.ts'
import { barChecks } from './bar-checks.ts'
import { BenchError } from './bench-error.ts'
import type { BenchRun, ConnectBreakdown, ConnectResult } from './bench-results.ts'
import { type BenchSettings, FULL_SETTINGS, QUICK_SETTINGS } from './bench-settings.ts'
import {
  createBenchTables,
  dropBenchTables,
  dsqlSetupClient,
  postgresSetupClient,
} from './bench-tables.ts'
import type { DsqlTarget } from './bench-target.ts'
import { dsqlConnectSamplers, postgresConnectSamplers } from './clients/connect-samplers.ts'
import { dsqlPooledClients, postgresPooledClients } from './clients/pooled-clients.ts'
import type { Progress } from './progress.ts'
import { installedVersions, machineInfo, sourceInfo } from './run-info.ts'
import { measureConnect } from './suites/connect.ts'
import { measureConnectBreakdown } from './suites/connect-breakdown.ts'
import { measureContention } from './suites/contention.ts'
import { measureFeatures } from './suites/features.ts'
import { measureFootprint } from './suites/footprint.ts'
import { measureQueries, type QueryClient } from './suites/queries.ts'
import { measureToken } from './suites/token.ts'
import { clusterTarget } from './targets/cluster-target.ts'
import { startPostgresBaseline } from './targets/start-postgres-baseline.ts'
import { startStandInTarget } from './targets/start-stand-in-target.ts'

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  /** Short smoke run ({@link QUICK_SETTINGS}) instead of the full measurement. */
  readonly quick: boolean
  /** Told each step as it starts (which workload, which client, how far). */
  readonly progress: Progress
  /** The environment; `CLUSTER_ENDPOINT` in it selects a real cluster instead of the stand-in. */
  readonly env: NodeJS.ProcessEnv
  /** Overrides the settings `quick` picks (tests). */
  readonly settings?: BenchSettings
}

const REPOSITORY = join(import.meta.dirname, '..', '..')
const NON_ADMIN_ROLE = 'bench_user'

/**
 * Runs every workload against `dsql-local` (one stand-in per emulated latency, each in a child
 * process, plus the plain PostgreSQL baseline) or, with `CLUSTER_ENDPOINT` set, against that
 * cluster (no emulated latency, no baseline; the admin role only, as the run creates and drops its
 * own tables), and returns the run's figures. Starts and stops everything it needs. While it runs,
 * `process.env` holds the measured target's environment (the official connector and the default
 * credential chain read it there, as in a user's program); it is restored at the end.
 *
 * @example
 * ```ts
 * const run = await runBench({ quick: true, progress: createProgress(), env: process.env })
 * ```
 */
export async function runBench(options: RunBenchOptions): Promise<BenchRun> {
  const { progress } = options
  const settings = options.settings ?? (options.quick ? QUICK_SETTINGS : FULL_SETTINGS)
  const started = performance.now()
  const onCluster = Boolean(options.env.CLUSTER_ENDPOINT)
  const savedEnv = { ...process.env }
  const cleanups: (() => Promise<void>)[] = []
  try {
    const targets: DsqlTarget[] = []
    let arn: string | undefined
    if (onCluster) {
      const target = clusterTarget(options.env)
      if (target.config.user !== 'admin') {
        throw new BenchError(
          'NOT_ADMIN',
          `pnpm bench runs as the admin role on a cluster (it creates and drops its own tables), not as ${target.config.user}: unset DB_USER or set it to admin`,
        )
      }
      targets.push(target)
    } else {
      for (const latencyMs of settings.latenciesMs) {
        progress.note(`starting dsql-local with a ${latencyMs} ms round trip`)
        const standIn = await startStandInTarget(latencyMs)
        cleanups.push(standIn.stop)
        targets.push(standIn.target)
        arn ??= standIn.arn
      }
    }
    const main = targets[0]
    if (main === undefined) {
      throw new BenchError('TARGET_FAILED', 'no target to measure: settings.latenciesMs is empty')
    }
    progress.note(onCluster ? `target: ${main.label}` : 'starting the plain PostgreSQL baseline')
    const baseline = onCluster ? undefined : await startPostgresBaseline()
    if (baseline) cleanups.push(baseline.stop)

    const connect: ConnectResult[] = []
    const connectBreakdown: ConnectBreakdown[] = []
    for (const target of targets) {
      Object.assign(process.env, target.env)
      const tokens = createTokenProvider(target.config)
      const token = await tokens().finally(() => tokens.close())
      const samplers = dsqlConnectSamplers(target, token)
      connect.push(...(await measureConnect(samplers, target.latencyMs, settings, progress)))
      connectBreakdown.push(await measureConnectBreakdown(target, settings, progress))
    }
    if (baseline) {
      const samplers = postgresConnectSamplers(baseline.target)
      connect.push(...(await measureConnect(samplers, 0, settings, progress)))
    }
    Object.assign(process.env, main.env)
    if (arn !== undefined) {
      // A non-admin role signs with DbConnect and is mapped to its IAM principal at login.
      const admin = createPool(main.config, { max: 1 })
      try {
        await grantNonAdmin(admin, NON_ADMIN_ROLE, arn)
      } finally {
        await admin.end()
      }
      const nonAdmin: DsqlTarget = {
        ...main,
        config: loadConfig({ ...main.env, DB_USER: NON_ADMIN_ROLE }),
      }
      connectBreakdown.push(await measureConnectBreakdown(nonAdmin, settings, progress))
    }

    const pgConnect = connect.find(
      (row) => row.driver === 'pg' && row.client === 'template' && row.latencyMs === main.latencyMs,
    )
    const pgConnectP50 = pgConnect?.p50Ms.median ?? Number.NaN
    const token = await measureToken(main, settings, progress, pgConnectP50)

    const setupTokens = createTokenProvider(main.config)
    cleanups.push(async () => setupTokens.close())
    const setup = dsqlSetupClient(main, setupTokens)
    const sizes = { rows: settings.seedRows, counters: settings.contention.rows }
    progress.note(`creating and seeding the tables (${sizes.rows} rows)`)
    const ids = await createBenchTables(setup, sizes).catch(async (error: unknown) => {
      // Tables created before a failure part-way through are dropped; tables that were there
      // before the run (TABLES_EXIST) are not the run's to drop.
      const theirs = error instanceof BenchError && error.code === 'TABLES_EXIST'
      if (onCluster && !theirs) await dropTablesOrSay(setup, progress)
      throw error
    })
    if (onCluster) cleanups.push(() => dropTablesOrSay(setup, progress))
    const templates = dsqlPooledClients(main)
    const clients: QueryClient[] = templates.map((factory) => ({ factory, ids }))
    if (baseline) {
      const baselineIds = await createBenchTables(postgresSetupClient(baseline.target), sizes)
      for (const factory of postgresPooledClients(baseline.target)) {
        clients.push({ factory, ids: baselineIds })
      }
    }
    const queries = await measureQueries(clients, settings, progress)
    const contention = await measureContention(templates, setup, settings, progress)
    const footprint = await measureFootprint(main, settings, progress)
    const features = await measureFeatures(REPOSITORY)
    return {
      schema: 1,
      date: new Date().toISOString(),
      source: await sourceInfo(REPOSITORY),
      quick: options.quick,
      target: onCluster ? 'cluster' : 'dsql-local',
      machine: machineInfo(),
      node: process.version,
      versions: await installedVersions(),
      settings,
      durationSeconds: Math.round((performance.now() - started) / 1000),
      connect,
      connectBreakdown,
      token,
      queries,
      contention,
      footprint,
      features,
      checks: barChecks({ connect, connectBreakdown, queries }),
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => {
        progress.note(`could not stop or clean up a target: ${String(error)}`)
      })
    }
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name]
    Object.assign(process.env, savedEnv)
  }
}

/** Drops the run's tables from a cluster; if that fails, says which to drop by hand. */
async function dropTablesOrSay(
  setup: Parameters<typeof dropBenchTables>[0],
  progress: Progress,
): Promise<void> {
  try {
    await dropBenchTables(setup)
  } catch (error) {
    progress.note(
      `could not drop the benchmark's tables (bench_item, bench_event, bench_counter): ${String(error)}; drop them by hand`,
    )
  }
}
