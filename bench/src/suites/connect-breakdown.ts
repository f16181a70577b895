import { fromNodeProviderChain } from '@aws-sdk/credential-providers'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import type { ConnectBreakdown } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { DsqlTarget } from '../bench-target.ts'
import type { Progress } from '../progress.ts'
import { percentile, sorted } from '../stats.ts'

type Parts = ConnectBreakdown['parts']

/**
 * Where the time of one new connection goes, in the order the template's pg pool spends it:
 * resolving credentials from the default chain, signing the token, the TCP connect, the TLS
 * handshake (direct), authentication (startup message to `AuthenticationOk`), session setup
 * (`AuthenticationOk` to the first `ReadyForQuery`), and the first `select 1`. Measured on a
 * `pg.Client` whose connection events mark the boundaries; medians of `connectSamples` samples.
 *
 * @example
 * ```ts
 * const breakdown = await measureConnectBreakdown(target, settings, progress)
 * ```
 */
export async function measureConnectBreakdown(
  target: DsqlTarget,
  settings: BenchSettings,
  progress: Progress,
): Promise<ConnectBreakdown> {
  const { config } = target
  const admin = config.user === 'admin'
  const samples: Parts[] = []
  const total = settings.connectWarmUp + settings.connectSamples
  progress.step(`breakdown ${target.latencyMs} ms`, 1, 1, `pg, ${total} connections`)
  for (let i = 0; i < total; i++) {
    const parts = await sampleOnce(target, admin)
    if (i >= settings.connectWarmUp) samples.push(parts)
  }
  const median = (pick: (parts: Parts) => number) =>
    Number(percentile(sorted(samples.map(pick)), 50).toFixed(3))
  const parts: Parts = {
    credentialsMs: median((p) => p.credentialsMs),
    tokenMs: median((p) => p.tokenMs),
    tcpMs: median((p) => p.tcpMs),
    tlsMs: median((p) => p.tlsMs),
    authMs: median((p) => p.authMs),
    sessionMs: median((p) => p.sessionMs),
    firstQueryMs: median((p) => p.firstQueryMs),
  }
  const totalMs = Object.values(parts).reduce((sum, value) => sum + value, 0)
  return {
    latencyMs: target.latencyMs,
    role: admin ? 'admin' : 'non-admin',
    parts,
    totalMs: Number(totalMs.toFixed(3)),
  }
}

async function sampleOnce(target: DsqlTarget, admin: boolean): Promise<Parts> {
  const t0 = performance.now()
  // A new chain per sample: what a new token provider does once (the templates keep one).
  const credentials = await fromNodeProviderChain()()
  const t1 = performance.now()
  const signer = new DsqlSigner({ hostname: target.endpoint, region: target.region, credentials })
  const token = admin
    ? await signer.getDbConnectAdminAuthToken()
    : await signer.getDbConnectAuthToken()
  const t2 = performance.now()
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.config.user,
    database: target.config.database,
    password: token,
    ssl: {
      ...(target.caPem === undefined ? {} : { ca: [target.caPem] }),
      servername: target.endpoint,
      rejectUnauthorized: true,
    },
    sslnegotiation: 'direct',
  })
  const marks = { tcp: 0, tls: 0, auth: 0, ready: 0 }
  // pg's connection emits `connect` (TCP), then `sslconnect` once the TLS socket exists; the
  // handshake itself ends at the TLS socket's `secureConnect`.
  const connection = (client as unknown as { connection: ConnectionEvents }).connection
  connection.once('connect', () => {
    marks.tcp = performance.now()
  })
  connection.once('sslconnect', () => {
    connection.stream.once('secureConnect', () => {
      marks.tls = performance.now()
    })
  })
  connection.once('authenticationOk', () => {
    marks.auth = performance.now()
  })
  connection.once('readyForQuery', () => {
    marks.ready = performance.now()
  })
  const connectStart = performance.now()
  await client.connect()
  try {
    const queryStart = performance.now()
    await client.query('select 1')
    const queryEnd = performance.now()
    return {
      credentialsMs: t1 - t0,
      tokenMs: t2 - t1,
      tcpMs: marks.tcp - connectStart,
      tlsMs: marks.tls - marks.tcp,
      authMs: marks.auth - marks.tls,
      sessionMs: marks.ready - marks.auth,
      firstQueryMs: queryEnd - queryStart,
    }
  } finally {
    await client.end()
  }
}

/** The few events of pg's internal `Connection` this breakdown listens to. */
interface ConnectionEvents {
  readonly stream: { once(event: 'secureConnect', listener: () => void): void }
  once(
    event: 'connect' | 'sslconnect' | 'authenticationOk' | 'readyForQuery',
    listener: () => void,
  ): void
}
