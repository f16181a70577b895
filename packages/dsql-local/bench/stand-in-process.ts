// Child process of the benchmark: runs one stand-in (startDsqlLocal) in its own process, as
// `pnpm dsql-local` would, so that the relay does not share an event loop with the clients.
// Protocol over the IPC channel: it sends `StandInReady` (or `StandInFailed`) once, and stops
// when it receives 'stop' or when the channel closes (the benchmark exited or was killed).
import type { DsqlLocalCluster, DsqlLocalOptions } from '../src/index.ts'
import { startDsqlLocal } from '../src/index.ts'

/** What the child reports once the stand-in listens. Credentials stay inside the two processes. */
export interface StandInReady {
  readonly type: 'ready'
  readonly cluster: Pick<
    DsqlLocalCluster,
    'endpoint' | 'host' | 'port' | 'region' | 'caPem' | 'credentials' | 'env'
  >
}

/** What the child reports when the stand-in did not start. */
export interface StandInFailed {
  readonly type: 'failed'
  readonly message: string
}

const log = (message: string) => process.stderr.write(`stand-in: ${message}\n`)
const options = JSON.parse(process.argv[2] ?? '{}') as StandInProcessOptions

/** The stand-in options a benchmark may set for the child (JSON on its command line). */
export type StandInProcessOptions = Pick<
  DsqlLocalOptions,
  'sqlDialect' | 'relaxRules' | 'latencyMs' | 'connectionRatePerSecond' | 'connectionBurst'
>

let cluster: DsqlLocalCluster | undefined
let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await cluster?.stop()
  process.exit(0)
}
process.on('message', (message) => {
  if (message === 'stop') void stop()
})
process.on('disconnect', () => void stop())

try {
  cluster = await startDsqlLocal({ ...options, logger: { info: () => {}, warn: log, error: log } })
  const { endpoint, host, port, region, caPem, credentials, env } = cluster
  const ready: StandInReady = {
    type: 'ready',
    cluster: { endpoint, host, port, region, caPem, credentials, env },
  }
  process.send?.(ready)
} catch (error) {
  const failed: StandInFailed = { type: 'failed', message: String(error) }
  process.send?.(failed)
  process.exit(1)
}
