import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import type { AwsCredentialIdentity } from '@smithy/types'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createTokenProvider,
  DsqlAuthError,
  DsqlConfigError,
  loadConfig,
  type TokenRefreshEvent,
} from '../src/index.ts'
import { pgError } from './driver-errors.ts'
import { expectedSignature, parseToken } from './sigv4.ts'

const ENDPOINT = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'
const CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
})
const NOW = new Date('2026-11-27T12:34:56Z')
const execFileAsync = promisify(execFile)

function config(env: Record<string, string> = {}) {
  return loadConfig({ CLUSTER_ENDPOINT: ENDPOINT, ...env })
}

describe('createTokenProvider: tokens from the real DsqlSigner', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('signs a DbConnectAdmin token for admin that an independent SigV4 check accepts', async () => {
    const token = await createTokenProvider(config(), { credentials: CREDENTIALS })()
    const { host, params, signature } = parseToken(token)

    expect(token.startsWith(`${ENDPOINT}/?Action=DbConnectAdmin&`)).toBe(true)
    expect(host).toBe(ENDPOINT)
    expect(params.get('Action')).toBe('DbConnectAdmin')
    expect(params.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256')
    expect(params.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261127/us-east-1/dsql/aws4_request')
    expect(params.get('X-Amz-Date')).toBe('20261127T123456Z')
    expect(params.get('X-Amz-Expires')).toBe('1200')
    expect(params.get('X-Amz-SignedHeaders')).toBe('host')
    expect(params.has('X-Amz-Security-Token')).toBe(false)
    expect(signature).toMatch(/^[0-9a-f]{64}$/)
    expect(signature).toBe(expectedSignature(token, CREDENTIALS.secretAccessKey))
  })

  it('signs DbConnect for any other role, with the configured region and lifetime', async () => {
    const token = await createTokenProvider(
      config({
        DB_USER: 'example',
        REGION: 'eu-west-1',
        CLUSTER_ENDPOINT: 'db.internal.example',
        TOKEN_LIFETIME: '3600',
      }),
      { credentials: CREDENTIALS },
    )()
    const { params, signature } = parseToken(token)
    expect(params.get('Action')).toBe('DbConnect')
    expect(params.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261127/eu-west-1/dsql/aws4_request')
    expect(params.get('X-Amz-Expires')).toBe('3600')
    expect(signature).toBe(expectedSignature(token, CREDENTIALS.secretAccessKey))
  })

  it('signs for the region of a DSQL endpoint even when AWS_REGION names another (a function reaching a cluster elsewhere)', async () => {
    const elsewhere = config({
      CLUSTER_ENDPOINT: 'abcdefghijklmnopqrstuvwxyz.dsql.eu-west-1.on.aws',
      AWS_REGION: 'us-east-1',
    })
    const token = await createTokenProvider(elsewhere, { credentials: CREDENTIALS })()
    const { params, signature } = parseToken(token)
    expect(params.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261127/eu-west-1/dsql/aws4_request')
    expect(signature).toBe(expectedSignature(token, CREDENTIALS.secretAccessKey))
  })

  it('refuses a config whose region contradicts its DSQL endpoint, naming both regions', () => {
    const contradicting = { ...config(), region: 'eu-west-1' }
    const error = (() => {
      try {
        createTokenProvider(contradicting, { credentials: CREDENTIALS })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(DsqlConfigError)
    expect((error as Error).message).toMatch(/region.*eu-west-1.*us-east-1/)
  })

  it('takes the region from a DSQL endpoint when the config has none', async () => {
    const token = await createTokenProvider(
      { ...config(), region: undefined },
      { credentials: CREDENTIALS },
    )()
    expect(parseToken(token).params.get('X-Amz-Credential')).toContain('/us-east-1/dsql/')
  })

  it('includes the session token of temporary credentials, inside the signature', async () => {
    const credentials = { ...CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEXAMPLE/session+token=' }
    const token = await createTokenProvider(config(), { credentials })()
    expect(parseToken(token).params.get('X-Amz-Security-Token')).toBe(credentials.sessionToken)
    expect(parseToken(token).signature).toBe(expectedSignature(token, CREDENTIALS.secretAccessKey))
  })

  it('a signature made with another secret does not match (the check can fail)', async () => {
    const token = await createTokenProvider(config(), { credentials: CREDENTIALS })()
    expect(parseToken(token).signature).not.toBe(expectedSignature(token, 'another-secret'))
    const tampered = token.replace('us-east-1', 'us-west-2')
    expect(parseToken(tampered).signature).not.toBe(
      expectedSignature(tampered, CREDENTIALS.secretAccessKey),
    )
  })
})

describe('createTokenProvider: caching and refresh', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('100 concurrent first calls share one signing', async () => {
    const events: TokenRefreshEvent[] = []
    const provider = createTokenProvider(config(), {
      credentials: CREDENTIALS,
      onRefresh: (e) => events.push(e),
    })
    const tokens = await Promise.all(Array.from({ length: 100 }, () => provider()))
    expect(new Set(tokens).size).toBe(1)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      reason: 'first',
      action: 'DbConnectAdmin',
      user: 'admin',
      endpoint: ENDPOINT,
    })
    expect(events[0]?.expiresAt.getTime()).toBe(NOW.getTime() + 1200_000)
    expect(JSON.stringify(events)).not.toContain(tokens[0])
  })

  it('reuses the cached token until it is older than the refresh interval, then signs a new one', async () => {
    const events: TokenRefreshEvent[] = []
    const provider = createTokenProvider(
      config({ TOKEN_REFRESH_INTERVAL: '60', TOKEN_LIFETIME: '180' }),
      {
        credentials: CREDENTIALS,
        onRefresh: (e) => events.push(e),
      },
    )
    const first = await provider()
    vi.advanceTimersByTime(59_000)
    expect(await provider()).toBe(first)
    vi.advanceTimersByTime(1_000)
    const second = await provider()
    expect(second).not.toBe(first)
    expect(parseToken(second).params.get('X-Amz-Date')).toBe('20261127T123556Z')
    expect(events.map((e) => e.reason)).toEqual(['first', 'interval'])
    expect(await provider()).toBe(second)
  })

  it('with refresh off, signs a new token on every call', async () => {
    let signings = 0
    const provider = createTokenProvider(config({ DB_REFRESH_TOKEN: 'false' }), {
      credentials: CREDENTIALS,
      onRefresh: () => signings++,
    })
    for (let i = 0; i < 5; i++) await provider()
    expect(signings).toBe(5)
  })

  it('resolves a credential provider once across many tokens', async () => {
    let resolutions = 0
    const credentials = async (): Promise<AwsCredentialIdentity> => {
      resolutions++
      return CREDENTIALS
    }
    const provider = createTokenProvider(config({ DB_REFRESH_TOKEN: 'false' }), { credentials })
    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider()))
    for (let i = 0; i < 50; i++) tokens.push(await provider())
    expect(tokens).toHaveLength(100)
    expect(resolutions).toBe(1)
  })

  it('asks the credential provider again when the credentials it gave are about to expire', async () => {
    let resolutions = 0
    const credentials = async (): Promise<AwsCredentialIdentity> => {
      resolutions++
      return { ...CREDENTIALS, expiration: new Date(Date.now() + 10 * 60_000) }
    }
    const provider = createTokenProvider(config({ DB_REFRESH_TOKEN: 'false' }), { credentials })
    await provider()
    await provider()
    expect(resolutions).toBe(1)
    vi.advanceTimersByTime(6 * 60_000)
    await provider()
    expect(resolutions).toBe(2)
  })

  it('at the refresh boundary, 100 concurrent calls share one new signing', async () => {
    const events: TokenRefreshEvent[] = []
    const provider = createTokenProvider(
      config({ TOKEN_REFRESH_INTERVAL: '60', TOKEN_LIFETIME: '180' }),
      { credentials: CREDENTIALS, onRefresh: (e) => events.push(e) },
    )
    const first = await provider()
    vi.advanceTimersByTime(60_000) // the cached token's last millisecond has just passed
    const tokens = await Promise.all(Array.from({ length: 100 }, () => provider()))
    expect(new Set(tokens).size).toBe(1)
    expect(tokens[0]).not.toBe(first)
    expect(events.map((e) => e.reason)).toEqual(['first', 'interval'])
  })

  it('at the credentials’ boundary, 100 calls arriving while new credentials are fetched share one signing', async () => {
    const events: TokenRefreshEvent[] = []
    let resolutions = 0
    let release = () => {}
    const provider = createTokenProvider(config(), {
      credentials: async () => {
        resolutions++
        // The second resolution (new credentials) waits until the test lets it go.
        if (resolutions === 2) await new Promise<void>((resolve) => (release = resolve))
        return { ...CREDENTIALS, expiration: new Date(Date.now() + 6 * 60_000) }
      },
      onRefresh: (e) => events.push(e),
    })
    const first = await provider()
    vi.advanceTimersByTime(5 * 60_000) // one minute before the credentials expire
    const pending = Array.from({ length: 100 }, () => provider())
    await vi.waitFor(() => expect(resolutions).toBe(2))
    pending.push(...Array.from({ length: 100 }, () => provider())) // more arrive meanwhile
    release()
    const tokens = await Promise.all(pending)
    expect(new Set(tokens).size).toBe(1)
    expect(tokens[0]).not.toBe(first)
    expect(resolutions).toBe(2)
    expect(events.map((e) => e.reason)).toEqual(['first', 'credentials'])
  })

  it.each([
    ['on', 'true'],
    ['off', 'false'],
  ])(
    'close() while a signing is in flight (refresh %s): the waiting calls reject, no token is kept',
    async (_name, refresh) => {
      let release = () => {}
      const gate = new Promise<void>((resolve) => (release = resolve))
      const provider = createTokenProvider(config({ DB_REFRESH_TOKEN: refresh }), {
        credentials: async () => {
          await gate
          return CREDENTIALS
        },
      })
      const outcomes = Array.from({ length: 3 }, () =>
        provider().then(
          (token) => token,
          (error: unknown) => error,
        ),
      )
      provider.close()
      release()
      for (const outcome of await Promise.all(outcomes)) {
        expect(outcome).toBeInstanceOf(DsqlAuthError)
        expect((outcome as Error).message).toMatch(/closed/)
      }
      await expect(provider()).rejects.toThrow(/closed/)
    },
  )

  it('close() makes later calls fail clearly', async () => {
    const provider = createTokenProvider(config(), { credentials: CREDENTIALS })
    await Promise.all([provider(), provider(), provider()])
    provider.close()
    await expect(provider()).rejects.toThrow(/closed/)
  })
})

describe('createTokenProvider: holds nothing that keeps a process alive', () => {
  it('a process that signed a token exits on its own, without close()', async () => {
    const index = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href
    const script = `
      import { createTokenProvider, loadConfig } from ${JSON.stringify(index)}
      const config = loadConfig({ CLUSTER_ENDPOINT: ${JSON.stringify(ENDPOINT)} })
      const credentials = async () => ({ ...${JSON.stringify(CREDENTIALS)}, expiration: new Date(Date.now() + 3600_000) })
      const provider = createTokenProvider(config, { credentials })
      const tokens = await Promise.all([provider(), provider()])
      console.log(tokens.every((token) => token.includes('X-Amz-Signature=')) ? 'signed' : 'unsigned')
    `
    // A timer left running (a refresh loop, say) would keep the child alive until it is killed.
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--input-type=module', '--eval', script],
      { timeout: 10_000 },
    )
    expect(stdout.trim()).toBe('signed')
  }, 15_000)
})

/**
 * A credential source that hands out temporary credentials, as STS, SSO, ECS and Lambda do: each
 * call returns a new session, valid `lifetimeMs` from the (fake) clock's now.
 */
function temporaryCredentials(lifetimeMs: number) {
  const sessions = new Map<string, AwsCredentialIdentity>()
  const source = async (): Promise<AwsCredentialIdentity> => {
    const sessionToken = `session-${sessions.size + 1}`
    const credentials = {
      ...CREDENTIALS,
      sessionToken,
      expiration: new Date(Date.now() + lifetimeMs),
    }
    sessions.set(sessionToken, credentials)
    return credentials
  }
  /** The credentials a token was signed with, read back from its X-Amz-Security-Token. */
  const signerOf = (token: string): AwsCredentialIdentity => {
    const found = sessions.get(parseToken(token).params.get('X-Amz-Security-Token') ?? '')
    if (found === undefined) throw new Error('token signed with unknown credentials')
    return found
  }
  return { source, signerOf, sessions }
}

describe('createTokenProvider: a cached token never outlives the credentials that signed it', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('credentials that expire 6 minutes after signing: the token changes before they do, not 15 minutes later', async () => {
    const events: TokenRefreshEvent[] = []
    const { source, signerOf } = temporaryCredentials(6 * 60_000)
    const provider = createTokenProvider(config(), {
      credentials: source,
      onRefresh: (e) => events.push(e),
    })
    const first = await provider()
    const firstExpiry = signerOf(first).expiration?.getTime() ?? 0
    expect(firstExpiry).toBe(NOW.getTime() + 6 * 60_000)
    expect(events[0]?.expiresAt.getTime()).toBe(firstExpiry) // the credentials, not the 20-minute lifetime

    vi.advanceTimersByTime(5 * 60_000 - 1) // just over one minute left: still handed out
    expect(await provider()).toBe(first)
    vi.advanceTimersByTime(1) // one minute left: replaced
    const second = await provider()
    expect(second).not.toBe(first)
    expect(signerOf(second).expiration?.getTime()).toBeGreaterThan(firstExpiry)
    expect(parseToken(second).signature).toBe(
      expectedSignature(second, CREDENTIALS.secretAccessKey),
    )
    expect(events.map((e) => e.reason)).toEqual(['first', 'credentials'])

    // Past the first credentials' expiry, only tokens of live credentials are handed out.
    vi.advanceTimersByTime(61_000)
    expect(Date.now()).toBeGreaterThan(firstExpiry)
    expect(await provider()).toBe(second)
  })

  it('over two hours of calls every 10 s, no token is handed out within a minute of its credentials’ expiry', async () => {
    const { source, signerOf, sessions } = temporaryCredentials(6 * 60_000)
    const provider = createTokenProvider(config(), { credentials: source })
    for (let elapsed = 0; elapsed <= 2 * 3600_000; elapsed += 10_000) {
      const token = await provider()
      const left = (signerOf(token).expiration?.getTime() ?? 0) - Date.now()
      expect(left, `at +${elapsed / 1000} s`).toBeGreaterThanOrEqual(60_000)
      vi.advanceTimersByTime(10_000)
    }
    // Each session was used for about five minutes, not signed for on every call.
    expect(sessions.size).toBeGreaterThanOrEqual(24)
    expect(sessions.size).toBeLessThanOrEqual(26)
  })

  it('the refresh interval still applies when the credentials last longer', async () => {
    const events: TokenRefreshEvent[] = []
    const { source } = temporaryCredentials(12 * 3600_000)
    const provider = createTokenProvider(config(), {
      credentials: source,
      onRefresh: (e) => events.push(e),
    })
    const first = await provider()
    vi.advanceTimersByTime(900_000 - 1)
    expect(await provider()).toBe(first)
    vi.advanceTimersByTime(1)
    expect(await provider()).not.toBe(first)
    expect(events.map((e) => e.reason)).toEqual(['first', 'interval'])
    expect(events[0]?.expiresAt.getTime()).toBe(NOW.getTime() + 1200_000)
  })

  it('credentials with less than a minute left: the token is not cached', async () => {
    let signings = 0
    const { source } = temporaryCredentials(30_000)
    const provider = createTokenProvider(config(), {
      credentials: source,
      onRefresh: () => signings++,
    })
    const first = await provider()
    vi.advanceTimersByTime(1_000)
    expect(await provider()).not.toBe(first)
    expect(signings).toBe(2)
  })
})

describe('createTokenProvider: a token DSQL refused is not handed out again', () => {
  const refusal = () =>
    pgError({ code: '08006', message: 'unable to accept connection, access denied' })

  it('reportConnectError with DSQL’s refusal drops the token; the next one is signed with credentials asked for again', async () => {
    const events: TokenRefreshEvent[] = []
    let resolutions = 0
    const provider = createTokenProvider(config(), {
      // Credentials without an expiration: memoized for good, unless the provider is told otherwise.
      credentials: async () => ({ ...CREDENTIALS, sessionToken: `session-${++resolutions}` }),
      onRefresh: (e) => events.push(e),
    })
    const refused = await provider()
    expect(await provider()).toBe(refused)
    expect(provider.reportConnectError(await refusal())).toBe(true)
    const next = await provider()
    expect(next).not.toBe(refused)
    expect(parseToken(next).params.get('X-Amz-Security-Token')).toBe('session-2')
    expect(events.map((e) => e.reason)).toEqual(['first', 'refused'])
    expect(await provider()).toBe(next)
  })

  it('finds the refusal inside a wrapper (pg-pool wraps a connect timeout around its cause)', async () => {
    const provider = createTokenProvider(config(), { credentials: CREDENTIALS })
    const wrapped = new Error('Connection terminated due to connection timeout', {
      cause: await refusal(),
    })
    expect(provider.reportConnectError(wrapped)).toBe(true)
  })

  it.each([
    ['rate exceeded', { code: '53400', message: 'Unable to accept connection, rate exceeded.' }],
    [
      'another 08006',
      { code: '08006', message: 'unable to accept connection, sni was not received' },
    ],
    ['a statement error', { code: '42601', message: 'unable to accept connection, access denied' }],
  ])('ignores %s, keeping the token', async (_name, fields) => {
    const provider = createTokenProvider(config(), { credentials: CREDENTIALS })
    const token = await provider()
    expect(provider.reportConnectError(await pgError(fields))).toBe(false)
    expect(provider.reportConnectError(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(
      false,
    )
    expect(provider.reportConnectError(undefined)).toBe(false)
    expect(await provider()).toBe(token)
  })
})

describe('createTokenProvider: failures', () => {
  it('wraps a credential failure in DsqlAuthError, keeping the cause and saying what to check', async () => {
    const cause = new Error('Could not load credentials from any providers')
    const provider = createTokenProvider(config(), {
      credentials: async () => {
        throw cause
      },
    })
    const error = await provider().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DsqlAuthError)
    expect(error).toMatchObject({ name: 'DsqlAuthError', code: 'DSQL_AUTH_FAILED', cause })
    expect((error as Error).message).toMatch(/credentials.*REGION.*clock/s)
  })

  it('a failed signing is not cached: the next call signs again', async () => {
    let calls = 0
    const provider = createTokenProvider(config(), {
      credentials: async () => {
        calls++
        if (calls === 1) throw new Error('temporary failure')
        return CREDENTIALS
      },
    })
    await expect(provider()).rejects.toBeInstanceOf(DsqlAuthError)
    await expect(provider()).resolves.toContain('Action=DbConnectAdmin')
  })

  it.each([
    [0, 'tokenLifetimeSeconds'],
    [-5, 'tokenLifetimeSeconds'],
    [700_000, 'tokenLifetimeSeconds'],
  ])('rejects a token lifetime of %s at once, naming %s', (lifetime, variable) => {
    const bad = { ...config(), tokenLifetimeSeconds: lifetime }
    expect(() => createTokenProvider(bad, { credentials: CREDENTIALS })).toThrow(DsqlConfigError)
    expect(() => createTokenProvider(bad, { credentials: CREDENTIALS })).toThrow(variable)
  })

  it('rejects a lifetime that does not outlast the refresh interval', () => {
    const bad = { ...config(), tokenLifetimeSeconds: 900, tokenRefreshIntervalSeconds: 900 }
    expect(() => createTokenProvider(bad, { credentials: CREDENTIALS })).toThrow(
      /must exceed tokenRefreshIntervalSeconds/,
    )
  })

  it('with IAM off, returns the static password without signing', async () => {
    let signings = 0
    const provider = createTokenProvider(
      loadConfig({ DB_HOST: 'localhost', DB_USE_IAM: 'false', DB_PASSWORD: 's3cret' }),
      { onRefresh: () => signings++ },
    )
    expect(await provider()).toBe('s3cret')
    expect(signings).toBe(0)
  })
})
