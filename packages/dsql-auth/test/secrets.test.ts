import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  createTokenProvider,
  DsqlRetryError,
  loadConfig,
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
