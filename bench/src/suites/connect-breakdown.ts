import { fromNodeProviderChain } from '@aws-sdk/credential-providers'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { createTokenProvider, dsqlTls, type TokenProvider } from 'dsql-auth'
import pg from 'pg'
import type { ConnectBreakdown } from '../bench-results.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { DsqlTarget } from '../bench-target.ts'
import type { Progress } from '../progress.ts'
import { percentile, sorted } from '../stats.ts'

type Parts = ConnectBreakdown['parts']

/**
 * Where the time of one new connection goes, step by step, on a `pg.Client` with the templates'
 * TLS settings (`dsqlTls`: direct TLS, one shared TLS context) whose connection events mark the
 * boundaries: resolving a new default credential chain and signing a token (what a new token
 * provider does once), calling a warm template provider whose token is cached (what every new
 * connection of a running program does), the TCP connect, the TLS handshake, authentication
 * (startup message to `AuthenticationOk`), session setup (to the first `ReadyForQuery`) and the
 * first `select 1`. `connectWarmUp` connections first, then `repetitions` x `connectSamples`;
 * each part is the median over all samples. Teardown is not timed.
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
  const admin = target.config.user === 'admin'
  const provider = createTokenProvider(target.config)
  try {
    await provider() // fills its cache: the state of a running program
    const samples: Parts[] = []
    const workload = `breakdown ${target.latencyMs} ms`
    const role = admin ? 'admin' : target.config.user
    progress.step(workload, 0, settings.repetitions, `${role}: warm-up`)
    for (let i = 0; i < settings.connectWarmUp; i++) await sampleOnce(target, provider, admin)
    for (let round = 0; round < settings.repetitions; round++) {
      progress.step(
        workload,
        round + 1,
        settings.repetitions,
        `${role}: ${settings.connectSamples} connections`,
      )
      for (let i = 0; i < settings.connectSamples; i++) {
        samples.push(await sampleOnce(target, provider, admin))
      }
    }
    const median = (pick: (parts: Parts) => number) =>
      Number(percentile(sorted(samples.map(pick)), 50).toFixed(3))
    const parts: Parts = {
      credentialsMs: median((p) => p.credentialsMs),
      tokenMs: median((p) => p.tokenMs),
      cachedTokenMs: median((p) => p.cachedTokenMs),
      tcpMs: median((p) => p.tcpMs),
      tlsMs: median((p) => p.tlsMs),
      authMs: median((p) => p.authMs),
      sessionMs: median((p) => p.sessionMs),
      firstQueryMs: median((p) => p.firstQueryMs),
    }
    const perConnection =
      parts.tcpMs + parts.tlsMs + parts.authMs + parts.sessionMs + parts.firstQueryMs
    return {
      latencyMs: target.latencyMs,
      role: admin ? 'admin' : 'non-admin',
      samples: settings.connectSamples,
      parts,
      totalMs: Number((parts.cachedTokenMs + perConnection).toFixed(3)),
      coldTotalMs: Number((parts.credentialsMs + parts.tokenMs + perConnection).toFixed(3)),
    }
  } finally {
    provider.close()
  }
}

async function sampleOnce(
  target: DsqlTarget,
  provider: TokenProvider,
  admin: boolean,
): Promise<Parts> {
  const t0 = performance.now()
  const credentials = await fromNodeProviderChain()()
  const t1 = performance.now()
  const signer = new DsqlSigner({ hostname: target.endpoint, region: target.region, credentials })
  await (admin ? signer.getDbConnectAdminAuthToken() : signer.getDbConnectAuthToken())
  const t2 = performance.now()
  const token = await provider()
  const t3 = performance.now()
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.config.user,
    database: target.config.database,
    password: token,
    ...dsqlTls(target.config),
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
      cachedTokenMs: t3 - t2,
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
