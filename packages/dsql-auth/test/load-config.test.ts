import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { type DsqlConfig, DsqlConfigError, loadConfig } from '../src/index.ts'

const ID = 'abcdefghijklmnopqrstuvwxyz'
const ENDPOINT = `${ID}.dsql.us-east-1.on.aws`

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof DsqlConfigError) return error.problems.map((p) => p.variable)
    throw error
  }
  throw new Error('loadConfig accepted a bad configuration')
}

describe('loadConfig: defaults', () => {
  it('needs only CLUSTER_ENDPOINT and fills in the Go example defaults', () => {
    expect({ ...loadConfig({ CLUSTER_ENDPOINT: ENDPOINT }) }).toEqual({
      endpoint: ENDPOINT,
      host: ENDPOINT,
      port: 5432,
      region: 'us-east-1',
      clusterUser: 'admin',
      user: 'admin',
      database: 'postgres',
      useIam: true,
      refreshToken: true,
      tokenRefreshIntervalSeconds: 900,
      tokenLifetimeSeconds: 1200,
      profile: undefined,
      sslRootCert: undefined,
    } satisfies Omit<DsqlConfig, 'password'>)
  })

  it('returns a frozen object', () => {
    const config = loadConfig({ CLUSTER_ENDPOINT: ENDPOINT })
    expect(Object.isFrozen(config)).toBe(true)
    expect(() => {
      ;(config as { port: number }).port = 1
    }).toThrow(TypeError)
  })

  it('reads process.env when given nothing', () => {
    const saved = process.env.CLUSTER_ENDPOINT
    process.env.CLUSTER_ENDPOINT = ENDPOINT
    try {
      expect(loadConfig().endpoint).toBe(ENDPOINT)
    } finally {
      if (saved === undefined) delete process.env.CLUSTER_ENDPOINT
      else process.env.CLUSTER_ENDPOINT = saved
    }
  })
})

describe('loadConfig: each variable and its precedence', () => {
  it.each<[string, Record<string, string>, Partial<DsqlConfig>]>([
    [
      'a bare cluster id expands with REGION',
      { CLUSTER_ENDPOINT: ID, REGION: 'eu-west-2' },
      { endpoint: `${ID}.dsql.eu-west-2.on.aws`, region: 'eu-west-2' },
    ],
    [
      'a bare cluster id expands with AWS_REGION',
      { CLUSTER_ENDPOINT: ID, AWS_REGION: 'ap-southeast-2' },
      { endpoint: `${ID}.dsql.ap-southeast-2.on.aws` },
    ],
    [
      'AWS_REGION (set by Lambda and ECS) never overrides the region of a DSQL endpoint',
      { CLUSTER_ENDPOINT: ENDPOINT, AWS_REGION: 'eu-west-1' },
      { region: 'us-east-1' },
    ],
    [
      'nor does AWS_DEFAULT_REGION',
      { CLUSTER_ENDPOINT: ENDPOINT, AWS_DEFAULT_REGION: 'eu-central-1' },
      { region: 'us-east-1' },
    ],
    [
      'a REGION that agrees with the DSQL endpoint is accepted, whatever AWS_REGION says',
      { CLUSTER_ENDPOINT: ENDPOINT, REGION: 'us-east-1', AWS_REGION: 'eu-west-1' },
      { region: 'us-east-1' },
    ],
    [
      'the region of a DSQL endpoint given as DB_HOST counts too',
      { DB_HOST: `${ID}.dsql.ap-northeast-1.on.aws`, AWS_REGION: 'eu-west-1' },
      { region: 'ap-northeast-1' },
    ],
    [
      'for another host name, REGION wins over AWS_REGION',
      { CLUSTER_ENDPOINT: 'db.internal.example', REGION: 'us-west-2', AWS_REGION: 'eu-west-1' },
      { region: 'us-west-2' },
    ],
    [
      'for another host name, AWS_REGION wins over AWS_DEFAULT_REGION',
      {
        CLUSTER_ENDPOINT: 'db.internal.example',
        AWS_REGION: 'eu-west-1',
        AWS_DEFAULT_REGION: 'eu-central-1',
      },
      { region: 'eu-west-1' },
    ],
    [
      'for another host name, AWS_DEFAULT_REGION is used last',
      { CLUSTER_ENDPOINT: 'localhost', AWS_DEFAULT_REGION: 'eu-central-1' },
      { region: 'eu-central-1' },
    ],
    [
      'the region is read from the endpoint',
      { CLUSTER_ENDPOINT: `${ID}.dsql.us-gov-west-1.on.aws` },
      { region: 'us-gov-west-1' },
    ],
    [
      'any host name is accepted with a REGION',
      {
        CLUSTER_ENDPOINT: 'mycluster.cluster-xyz.us-east-1.rds.amazonaws.com',
        REGION: 'us-east-1',
      },
      { endpoint: 'mycluster.cluster-xyz.us-east-1.rds.amazonaws.com' },
    ],
    [
      'the endpoint is lower-cased',
      { CLUSTER_ENDPOINT: ENDPOINT.toUpperCase() },
      { endpoint: ENDPOINT },
    ],
    [
      'DB_HOST is the socket host, the endpoint stays the token host',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_HOST: '127.0.0.1' },
      { endpoint: ENDPOINT, host: '127.0.0.1' },
    ],
    [
      'DB_HOST alone serves as endpoint',
      { DB_HOST: ENDPOINT },
      { endpoint: ENDPOINT, host: ENDPOINT },
    ],
    ['DB_PORT', { CLUSTER_ENDPOINT: ENDPOINT, DB_PORT: '15432' }, { port: 15432 }],
    [
      'CLUSTER_USER is the default DB_USER',
      { CLUSTER_ENDPOINT: ENDPOINT, CLUSTER_USER: 'root' },
      { clusterUser: 'root', user: 'root' },
    ],
    [
      'DB_USER wins over CLUSTER_USER',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_USER: 'example' },
      { clusterUser: 'admin', user: 'example' },
    ],
    ['DB_NAME', { CLUSTER_ENDPOINT: ENDPOINT, DB_NAME: 'other' }, { database: 'other' }],
    [
      'DB_REFRESH_TOKEN=false turns caching off',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_REFRESH_TOKEN: 'false' },
      { refreshToken: false, tokenLifetimeSeconds: 900 },
    ],
    [
      'booleans accept 0/1/yes/no in any case',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_REFRESH_TOKEN: 'NO', DB_USE_IAM: 'Yes' },
      { refreshToken: false, useIam: true },
    ],
    [
      'TOKEN_REFRESH_INTERVAL sets the default lifetime to interval + 300',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_REFRESH_INTERVAL: '60' },
      { tokenRefreshIntervalSeconds: 60, tokenLifetimeSeconds: 360 },
    ],
    [
      'TOKEN_LIFETIME',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_LIFETIME: '604800' },
      { tokenLifetimeSeconds: 604800 },
    ],
    ['AWS_PROFILE', { CLUSTER_ENDPOINT: ENDPOINT, AWS_PROFILE: 'dev' }, { profile: 'dev' }],
    [
      'empty variables count as unset',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_PORT: '', DB_USER: ' ' },
      { port: 5432, user: 'admin' },
    ],
    [
      'DB_USE_IAM=false needs no region',
      { DB_HOST: 'localhost', DB_USE_IAM: 'false', DB_PASSWORD: 'pw' },
      { useIam: false, region: undefined, host: 'localhost' },
    ],
  ])('%s', (_name, env, expected) => {
    expect(loadConfig(env)).toMatchObject(expected)
  })

  it('DB_SSL_ROOT_CERT names a readable file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dsql-auth-')), 'ca.pem')
    writeFileSync(file, 'pem')
    expect(loadConfig({ CLUSTER_ENDPOINT: ENDPOINT, DB_SSL_ROOT_CERT: file }).sslRootCert).toBe(
      file,
    )
  })

  it('keeps DB_PASSWORD out of enumeration and inspection', () => {
    const config = loadConfig({
      DB_HOST: 'localhost',
      DB_USE_IAM: 'false',
      DB_PASSWORD: 'pw-do-not-print',
    })
    expect(config.password).toBe('pw-do-not-print')
    expect(inspect(config)).not.toContain('pw-do-not-print')
    expect(JSON.stringify(config)).not.toContain('pw-do-not-print')
  })

  it('ignores DB_PASSWORD when IAM is on', () => {
    expect(loadConfig({ CLUSTER_ENDPOINT: ENDPOINT, DB_PASSWORD: 'pw' }).password).toBeUndefined()
  })
})

describe('loadConfig: errors', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['no endpoint', {}, ['CLUSTER_ENDPOINT']],
    [
      'an endpoint with a scheme',
      { CLUSTER_ENDPOINT: `postgres://${ENDPOINT}` },
      ['CLUSTER_ENDPOINT'],
    ],
    ['an endpoint with a port', { CLUSTER_ENDPOINT: `${ENDPOINT}:5432` }, ['CLUSTER_ENDPOINT']],
    ['a bare cluster id without a region', { CLUSTER_ENDPOINT: ID }, ['REGION']],
    ['a region in the wrong form', { CLUSTER_ENDPOINT: ENDPOINT, REGION: 'US East' }, ['REGION']],
    [
      'a bad AWS_REGION is named as such',
      { CLUSTER_ENDPOINT: 'db.internal.example', AWS_REGION: 'useast1' },
      ['AWS_REGION'],
    ],
    [
      'a REGION that contradicts the DSQL endpoint',
      { CLUSTER_ENDPOINT: ENDPOINT, REGION: 'us-west-2' },
      ['REGION'],
    ],
    ['a host whose region cannot be read', { CLUSTER_ENDPOINT: 'db.example.com' }, ['REGION']],
    ['a port out of range', { CLUSTER_ENDPOINT: ENDPOINT, DB_PORT: '70000' }, ['DB_PORT']],
    ['a port of zero', { CLUSTER_ENDPOINT: ENDPOINT, DB_PORT: '0' }, ['DB_PORT']],
    ['a non-numeric port', { CLUSTER_ENDPOINT: ENDPOINT, DB_PORT: '54a' }, ['DB_PORT']],
    [
      'a non-numeric interval',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_REFRESH_INTERVAL: '15m' },
      ['TOKEN_REFRESH_INTERVAL'],
    ],
    [
      'a fractional interval',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_REFRESH_INTERVAL: '1.5' },
      ['TOKEN_REFRESH_INTERVAL'],
    ],
    ['a zero lifetime', { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_LIFETIME: '0' }, ['TOKEN_LIFETIME']],
    [
      'a negative lifetime',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_LIFETIME: '-1' },
      ['TOKEN_LIFETIME'],
    ],
    [
      'a lifetime over one week',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_LIFETIME: '604801' },
      ['TOKEN_LIFETIME'],
    ],
    [
      'a lifetime shorter than the interval + margin',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_LIFETIME: '900' },
      ['TOKEN_LIFETIME'],
    ],
    [
      'a non-boolean DB_USE_IAM',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_USE_IAM: 'maybe' },
      ['DB_USE_IAM'],
    ],
    [
      'a non-boolean DB_REFRESH_TOKEN',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_REFRESH_TOKEN: 'sometimes' },
      ['DB_REFRESH_TOKEN'],
    ],
    ['IAM off without DB_PASSWORD', { DB_HOST: 'localhost', DB_USE_IAM: 'false' }, ['DB_PASSWORD']],
    [
      'an unreadable DB_SSL_ROOT_CERT',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_SSL_ROOT_CERT: '/nonexistent/ca.pem' },
      ['DB_SSL_ROOT_CERT'],
    ],
  ])('%s', (_name, env, variables) => {
    expect(problemsOf(env)).toEqual(variables)
  })

  it('a REGION that contradicts the DSQL endpoint names both regions', () => {
    const error = (() => {
      try {
        loadConfig({ CLUSTER_ENDPOINT: ENDPOINT, REGION: 'us-west-2', AWS_REGION: 'eu-west-1' })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(DsqlConfigError)
    const { problems } = error as DsqlConfigError
    expect(problems).toHaveLength(1)
    expect(problems[0]?.variable).toBe('REGION')
    expect(problems[0]?.problem).toContain('us-west-2')
    expect(problems[0]?.problem).toContain('us-east-1')
    expect(problems[0]?.problem).toContain('CLUSTER_ENDPOINT')
    expect(problems[0]?.example).toBe('REGION=us-east-1')
  })

  it('reports every problem at once, each with the variable, what is wrong and an example', () => {
    let error: unknown
    try {
      loadConfig({
        DB_PORT: 'abc',
        TOKEN_REFRESH_INTERVAL: 'soon',
        DB_USE_IAM: 'perhaps',
        REGION: 'moon',
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DsqlConfigError)
    const { problems, message, code, name } = error as DsqlConfigError
    expect({ code, name }).toEqual({ code: 'DSQL_CONFIG_INVALID', name: 'DsqlConfigError' })
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ['CLUSTER_ENDPOINT', 'DB_PORT', 'DB_USE_IAM', 'REGION', 'TOKEN_REFRESH_INTERVAL'].sort(),
    )
    expect(message).toContain('5 problems')
    // Values that are not numbers, regions or plain host names are described, not shown.
    expect(message).toContain(
      'DB_PORT must be a whole number from 1 to 65535, got something else (not shown, as it may hold a secret) (for example DB_PORT=5432)',
    )
    expect(message).toContain(
      'REGION is not an AWS region name (lower case, like us-east-1); the value is not shown, as it may hold a secret (for example REGION=us-east-1)',
    )
    expect(message).toContain(
      'DB_USE_IAM must be true or false (or 1/0, yes/no, on/off), got something else',
    )
    for (const bad of ['"abc"', 'soon', 'perhaps', 'moon']) expect(message).not.toContain(bad)
    for (const p of problems) expect(p.example).not.toBe('')
  })
})
