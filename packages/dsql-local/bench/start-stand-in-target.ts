import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { type BenchTarget, connectClient } from './bench-target.ts'
import type { StandInFailed, StandInProcessOptions, StandInReady } from './stand-in-process.ts'

/**
 * Starts a stand-in in a child process (`stand-in-process.ts`) and returns it as a target whose
 * clients connect as `admin` with a real `DsqlSigner` token, verified TLS (the stand-in's CA and
 * the endpoint as SNI) and direct TLS negotiation, as the repository's drivers do. `standIn` holds
 * what other clients need to reach it: endpoint, host, port, CA and the `env` a program reads.
 *
 * @example
 * ```ts
 * const target = await startStandInTarget({ id: 'b', label: 'stand-in', options: { sqlDialect: 'postgres' } })
 * ```
 */
export async function startStandInTarget(spec: {
  readonly id: string
  readonly label: string
  readonly options: StandInProcessOptions
}): Promise<BenchTarget & { readonly standIn: StandInReady['cluster'] }> {
  const child = fork(
    new URL('./stand-in-process.ts', import.meta.url),
    [JSON.stringify(spec.options)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Its own process group: Ctrl-C reaches only the benchmark, which stops it in order.
      detached: true,
    },
  )
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  const stop = stopper(child, exited)
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(() => [{ type: 'failed', message: 'the stand-in process exited' }]),
  ])) as [StandInReady | StandInFailed]
  if (message.type === 'failed') {
    await stop()
    throw new Error(`stand-in (${spec.id}) did not start: ${message.message}`)
  }
  const { cluster } = message
  const signer = new DsqlSigner({
    hostname: cluster.endpoint,
    region: cluster.region,
    credentials: cluster.credentials,
  })
  return {
    id: spec.id,
    label: spec.label,
    standIn: cluster,
    connect: () =>
      connectClient({
        host: cluster.host,
        port: cluster.port,
        user: 'admin',
        database: 'postgres',
        password: () => signer.getDbConnectAdminAuthToken(),
        ssl: { ca: [cluster.caPem], servername: cluster.endpoint, rejectUnauthorized: true },
        sslnegotiation: 'direct',
      }),
    stop,
  }
}

/** Asks the child to stop; after 30 s, kills it (its stand-in's watchdog then stops PostgreSQL). */
function stopper(child: ChildProcess, exited: Promise<void>): () => Promise<void> {
  let stopped: Promise<void> | undefined
  return () => {
    stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      if (child.connected) child.send('stop', () => {})
      const timeout = delay(30_000, 'timeout' as const, { ref: false })
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        child.kill('SIGKILL')
        await exited
      }
    })()
    return stopped
  }
}
