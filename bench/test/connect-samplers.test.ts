import { DsqlSigner } from '@aws-sdk/dsql-signer'
import type { DsqlLocalCluster } from 'dsql-local'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DsqlTarget } from '../src/bench-target.ts'
import { dsqlConnectSamplers } from '../src/clients/connect-samplers.ts'
import { startInProcessTarget } from './in-process-target.ts'

const sessions: string[] = []
let cluster: DsqlLocalCluster
let target: DsqlTarget
let token: string
const saved = { ...process.env }

// In-process stand-in, so that its log (one line per session, naming how TLS started) is ours.
beforeAll(async () => {
  ;({ cluster, target } = await startInProcessTarget({
    info: (line) => {
      if (line.startsWith('session of')) sessions.push(line)
    },
    warn: () => {},
    error: () => {},
  }))
  Object.assign(process.env, cluster.env)
  token = await new DsqlSigner({
    hostname: cluster.endpoint,
    region: cluster.region,
    credentials: cluster.credentials,
  }).getDbConnectAdminAuthToken()
}, 60_000)

afterAll(async () => {
  process.env = saved
  await cluster?.stop()
})

describe('dsqlConnectSamplers', () => {
  it('start TLS the way each sampler says, and time a connection up to its first result', async () => {
    const seen: string[] = []
    for (const sampler of dsqlConnectSamplers(target, token)) {
      sessions.length = 0
      const ms = await sampler.sample()
      expect(ms).toBeGreaterThan(0)
      expect(sessions, `${sampler.driver} ${sampler.client}`).toHaveLength(1)
      const mode = sessions[0]?.endsWith('(direct TLS)') ? 'direct' : 'sslrequest'
      expect(sessions[0]).toMatch(/\((direct TLS|SSLRequest)\)$/)
      seen.push(`${sampler.driver} ${sampler.client} ${mode}`)
      expect(mode, `${sampler.driver} ${sampler.client}`).toBe(sampler.tls)
    }
    expect(seen).toEqual([
      'pg template direct',
      'postgres.js template direct',
      'kysely template direct',
      'pg official sslrequest',
      'pg bare direct',
      'postgres.js bare direct',
      'kysely bare direct',
      'pg bare sslrequest',
      'postgres.js bare sslrequest',
      'kysely bare sslrequest',
    ])
  }, 60_000)
})
