import { join } from 'node:path'
import { createTokenProvider, loadConfig } from 'dsql-auth'
import { createPool } from '../../examples/pg/src/db.ts'
import { grantNonAdmin } from '../../examples/pg/src/grant-non-admin.ts'
import { barChecks } from './bar-checks.ts'
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
import { installedVersions, machineInfo } from './run-info.ts'
import { measureConnect } from './suites/connect.ts'
import { measureConnectBreakdown } from './suites/connect-breakdown.ts'
import { measureContention } from './suites/contention.ts'
import { measureFeatures } from './suites/features.ts'
import { measureFootprint } from './suites/footprint.ts'
import { measureQueries } from './suites/queries.ts'
import { measureToken } from './suites/token.ts'
import { clusterTarget } from './targets/cluster-target.ts'
import { startPostgresBaseline } from './targets/start-postgres-baseline.ts'
import { startStandInTarget } from './targets/start-stand-in-target.ts'

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  /** Short smoke run ({@link QUICK_SETTINGS}) instead of the full measurement. */
  readonly quick: boolean
  readonly progress: Progress
  /** The environment; `CLUSTER_ENDPOINT` in it selects a real cluster instead of the stand-in. */
  readonly env: NodeJS.ProcessEnv
  /** Overrides the settings `quick` picks (tests). */
  readonly settings?: BenchSettings
}

const REPOSITORY = join(import.meta.dirname, '..', '..')
const NON_ADMIN_ROLE = 'bench_user'

/**
 * Runs every workload against `dsql-local` (one stand-in per emulated latency, plus the plain
 * PostgreSQL baseline) or, with `CLUSTER_ENDPOINT` set, against that cluster (no emulated latency,
 * no baseline), and returns the run's figures. Starts and stops everything it needs.
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
  const stops: (() => Promise<void>)[] = []
  try {
    const targets: DsqlTarget[] = []
    let arn: string | undefined
    if (onCluster) {
      targets.push(clusterTarget(options.env))
    } else {
      for (const latencyMs of settings.latenciesMs) {
        progress.note(`starting dsql-local with a ${latencyMs} ms round trip`)
        const standIn = await startStandInTarget(latencyMs)
        stops.push(standIn.stop)
        targets.push(standIn.target)
        arn ??= standIn.arn
      }
    }
    const main = targets[0] as DsqlTarget
    progress.note(onCluster ? `target: ${main.label}` : 'starting the plain PostgreSQL baseline')
    const baseline = onCluster ? undefined : await startPostgresBaseline()
    if (baseline) stops.push(baseline.stop)

    const connect: ConnectResult[] = []
    const connectBreakdown: ConnectBreakdown[] = []
    for (const target of targets) {
      useEnvironment(target)
      const token = await createTokenProvider(target.config)()
      connect.push(
        ...(await measureConnect(
          dsqlConnectSamplers(target, token),
          target.latencyMs,
          settings,
          progress,
        )),
      )
      connectBreakdown.push(await measureConnectBreakdown(target, settings, progress))
    }
    if (baseline) {
      connect.push(
        ...(await measureConnect(postgresConnectSamplers(baseline.target), 0, settings, progress)),
      )
    }
    useEnvironment(main)
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
    const token = await measureToken(
      main,
      settings,
      progress,
      pgConnect?.p50Ms.median ?? Number.NaN,
    )

    const setup = dsqlSetupClient(main, createTokenProvider(main.config))
    const sizes = { rows: settings.seedRows, counters: settings.contention.rows }
    progress.note(`creating and seeding the tables (${sizes.rows} rows)`)
    const ids = await createBenchTables(setup, sizes)
    if (onCluster) stops.push(() => dropBenchTables(setup))
    const templates = dsqlPooledClients(main)
    const queries = await measureQueries(templates, ids, settings, progress)
    if (baseline) {
      const baselineSetup = postgresSetupClient(baseline.target)
      const baselineIds = await createBenchTables(baselineSetup, sizes)
      queries.push(
        ...(await measureQueries(
          postgresPooledClients(baseline.target),
          baselineIds,
          settings,
          progress,
        )),
      )
    }
    const contention = await measureContention(templates, setup, settings, progress)
    const footprint = await measureFootprint(main, settings, progress)
    const features = await measureFeatures(REPOSITORY)
    return {
      schema: 1,
      date: new Date().toISOString(),
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
      checks: barChecks({ connect, token, queries }),
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  }
}

/**
 * Puts a target's environment into `process.env`: the official connector and the default
 * credential chain read it there, as they would in a user's program.
 */
function useEnvironment(target: DsqlTarget): void {
  Object.assign(process.env, target.env)
}
