import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  createTokenProvider,
  DsqlConfigError,
  DsqlRetryError,
  dsqlTls,
  loadConfig,
  nonAdminGrants,
  type TokenRefreshEvent,
  withRetry,
} from '../src/index.ts'

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const SESSION = 'FwoGZXIvYXdzSESSIONTOKENEXAMPLE'
const PASSWORD = 'plain-password-never-printed'
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: SESSION }
const ENDPOINT = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'

/** Everything a user might print of a value: message, stack, inspect (with causes), JSON. */
function printed(value: unknown): string {
  const parts = [inspect(value, { depth: 10, showHidden: true }), String(value)]
  try {
    parts.push(JSON.stringify(value))
  } catch {}
  if (value instanceof Error) parts.push(value.message, value.stack ?? '')
  return parts.join('\n')
}

function expectClean(text: string, token?: string): void {
  expect(text).not.toContain(SECRET)
  expect(text).not.toContain(SESSION)
  expect(text).not.toContain(PASSWORD)
  if (token !== undefined) {
    expect(text).not.toContain(token)
    expect(text).not.toContain(token.slice(token.indexOf('X-Amz-Signature=')))
  }
}

describe('no token, password or secret key in any output', () => {
  const env = {
    CLUSTER_ENDPOINT: ENDPOINT,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: SESSION,
    DB_PASSWORD: PASSWORD,
  }

  it('config errors, also when a secret is pasted into the wrong variable', () => {
    const error = (() => {
      try {
        loadConfig({ ...env, DB_PORT: 'x', DB_REFRESH_TOKEN: SECRET, TOKEN_LIFETIME: PASSWORD })
      } catch (e) {
        return e
      }
    })()
    expect((error as Error).message).toContain('DB_REFRESH_TOKEN must be true or false')
    expectClean(printed(error))
    expectClean(printed(loadConfig({ ...env, DB_USE_IAM: 'false' })))
  })

  it('the token provider, its refresh events and the config', async () => {
    const events: TokenRefreshEvent[] = []
    const provider = createTokenProvider(loadConfig(env), {
      credentials: CREDENTIALS,
      onRefresh: (e) => events.push(e),
    })
    const token = await provider()
    expect(token).toContain('X-Amz-Signature=')
    expectClean(printed(provider), token)
    expectClean(printed(events), token)
    expectClean(printed(loadConfig(env)), token)
  })

  it('auth errors from a failing credential provider', async () => {
    const provider = createTokenProvider(loadConfig(env), {
      credentials: async () => {
        throw new Error('The SSO session has expired')
      },
    })
    const error = await provider().catch((e: unknown) => e)
    expectClean(printed(error))
  })

  it('auth errors after credentials were resolved but signing failed', async () => {
    const provider = createTokenProvider(loadConfig(env), {
      // A secret of the wrong type makes the HMAC fail after the credentials are in hand.
      credentials: {
        ...CREDENTIALS,
        secretAccessKey: { toString: () => SECRET } as unknown as string,
      },
    })
    const error = await provider().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expectClean(printed(error))
  })

  it('retry errors', async () => {
    const error = await withRetry(
      async () => {
        throw Object.assign(new Error('change conflicts with another transaction (OC000)'), {
          code: '40001',
        })
      },
      { maxAttempts: 2, baseDelayMs: 1 },
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DsqlRetryError)
    expectClean(printed(error))
  })
})

/** Throws what `run` throws, or fails the test when it throws nothing. */
function thrown(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

/** The message, `String()` and inspection of the error and of every `cause` below it. */
function causeChain(error: unknown): string {
  const parts: string[] = []
  for (let current = error, depth = 0; current !== undefined && depth < 10; depth++) {
    parts.push(String(current), inspect(current, { depth: 10, showHidden: true }))
    if (current instanceof Error) parts.push(current.message)
    current = (current as { cause?: unknown }).cause
  }
  return parts.join('\n')
}

describe('configuration errors say what is wrong without echoing a value that may be a secret', () => {
  // Short enough that an error showing short values in full would show it, long enough to be a password.
  const SHORT = 'hunter2-s3cr3t'

  it.each<[string, Record<string, string>, string, RegExp]>([
    [
      'a connection URL with a password in CLUSTER_ENDPOINT',
      { CLUSTER_ENDPOINT: `postgres://admin:${SHORT}@${ENDPOINT}:5432/postgres` },
      'CLUSTER_ENDPOINT',
      /URL.*user info/,
    ],
    [
      'user info in DB_HOST',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_HOST: `admin:${SHORT}@127.0.0.1` },
      'DB_HOST',
      /user info/,
    ],
    [
      'a URL with a long secret in DB_HOST alone',
      { DB_HOST: `postgresql://admin:${SECRET}@db.example.com/postgres` },
      'DB_HOST',
      /URL/,
    ],
    [
      'a secret in REGION',
      { CLUSTER_ENDPOINT: 'db.internal.example', REGION: SHORT },
      'REGION',
      /not an AWS region name/,
    ],
    [
      'a secret in AWS_REGION',
      { CLUSTER_ENDPOINT: 'db.internal.example', AWS_REGION: SECRET },
      'AWS_REGION',
      /not an AWS region name/,
    ],
    ['a secret in DB_PORT', { CLUSTER_ENDPOINT: ENDPOINT, DB_PORT: SHORT }, 'DB_PORT', /number/],
    [
      'a secret in TOKEN_LIFETIME',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_LIFETIME: SECRET },
      'TOKEN_LIFETIME',
      /number/,
    ],
    [
      'a secret in TOKEN_REFRESH_INTERVAL',
      { CLUSTER_ENDPOINT: ENDPOINT, TOKEN_REFRESH_INTERVAL: SHORT },
      'TOKEN_REFRESH_INTERVAL',
      /number/,
    ],
    [
      'a secret in DB_USE_IAM',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_USE_IAM: SHORT },
      'DB_USE_IAM',
      /true or false/,
    ],
    [
      'a secret in DB_SSL_ROOT_CERT',
      { CLUSTER_ENDPOINT: ENDPOINT, DB_SSL_ROOT_CERT: `/run/${SHORT}/ca.pem` },
      'DB_SSL_ROOT_CERT',
      /readable/,
    ],
  ])('%s', (_name, env, variable, says) => {
    const error = thrown(() => loadConfig(env))
    expect(error).toBeInstanceOf(DsqlConfigError)
    for (const secret of [SHORT, SECRET, SECRET.slice(0, 4)]) {
      expect(error.message).not.toContain(secret)
      expect(String(error)).not.toContain(secret)
      expect(causeChain(error)).not.toContain(secret)
      expect(JSON.stringify((error as DsqlConfigError).problems)).not.toContain(secret)
    }
    // What is wrong is still said.
    const problem = (error as DsqlConfigError).problems.find((p) => p.variable === variable)
    expect(problem?.problem).toMatch(says)
  })

  it('still shows numbers, regions and plain host names, which help and hold no secret', () => {
    const error = thrown(() =>
      loadConfig({ CLUSTER_ENDPOINT: ENDPOINT, REGION: 'eu-west-1', DB_PORT: '70000' }),
    )
    expect(error.message).toContain('DB_PORT must be a whole number from 1 to 65535, got "70000"')
    expect(error.message).toMatch(/REGION is eu-west-1, but CLUSTER_ENDPOINT .* us-east-1/)
    expect(thrown(() => loadConfig({ CLUSTER_ENDPOINT: 'db.example.com' })).message).toContain(
      '"db.example.com"',
    )
  })

  it('dsqlTls does not show the DB_SSL_ROOT_CERT path in its message', () => {
    const error = thrown(() => dsqlTls({ endpoint: ENDPOINT, sslRootCert: `/run/${SHORT}/ca.pem` }))
    expect(error).toBeInstanceOf(DsqlConfigError)
    expect(error.message).not.toContain(SHORT)
    expect(String(error)).not.toContain(SHORT)
  })

  it('nonAdminGrants does not show a refused role, ARN or schema', () => {
    const error = thrown(() =>
      nonAdminGrants({ role: SHORT, iamArn: `arn:${SECRET}`, schema: `x ${SHORT}` }),
    )
    expect(error).toBeInstanceOf(DsqlConfigError)
    for (const secret of [SHORT, SECRET]) expect(causeChain(error)).not.toContain(secret)
  })

  it('the token provider does not show a region or endpoint it refuses', () => {
    const config = loadConfig({ CLUSTER_ENDPOINT: ENDPOINT })
    const error = thrown(() =>
      createTokenProvider({ ...config, region: SHORT }, { credentials: CREDENTIALS }),
    )
    expect(error).toBeInstanceOf(DsqlConfigError)
    expect(causeChain(error)).not.toContain(SHORT)
  })

  it('an auth error does not show an endpoint that is not a plain host name', async () => {
    const config = loadConfig({ CLUSTER_ENDPOINT: 'db.internal.example', REGION: 'us-east-1' })
    const provider = createTokenProvider(
      { ...config, endpoint: `admin:${SHORT}@db.internal.example` },
      {
        credentials: async () => {
          throw new Error('no credentials')
        },
      },
    )
    const error = await provider().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(causeChain(error)).not.toContain(SHORT)
  })
})
