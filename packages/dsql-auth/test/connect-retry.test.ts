import { describe, expect, it } from 'vitest'
import {
  CONNECT_RETRY_DEFAULTS,
  type ConnectRetryEvent,
  connectWithRetry,
  isTransientRefusal,
  TRANSIENT_REFUSALS,
  transientRefusal,
} from '../src/index.ts'
import { kyselyError, pgError, postgresJsError } from './driver-errors.ts'

// DSQL's texts, exactly as in `dsql-facts.md` ("Connections", "IAM auth token").
const RATE_EXCEEDED = { code: '53400', message: 'Unable to accept connection, rate exceeded.' }
// DSQL's SQLSTATE for waking up is not recorded; the text alone decides, so any code does here.
const WAKING_UP = {
  code: 'XX000',
  message: 'unable to accept connection, waking up cluster, please retry later',
}
const SERVER_UNAVAILABLE = { code: 'XX000', message: 'server unavailable' }
const ACCESS_DENIED = { code: '08006', message: 'unable to accept connection, access denied' }
const TOO_MANY = {
  code: '53300',
  message: 'Unable to accept connection, too many open connections.',
}

/** Refused with `error` the first `refusals` times, then returns the attempt number. */
function refusing(refusals: number, error: () => unknown) {
  const attempts: number[] = []
  const open = async (attempt: number) => {
    attempts.push(attempt)
    if (attempts.length <= refusals) throw error()
    return attempt
  }
  return { open, attempts }
}

/** A seeded generator in [0, 1) (mulberry32): the same jitter on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

describe('transientRefusal classifies connection refusals by DSQL’s exact answers', () => {
  it('knows the three transient refusals, each as pg and postgres.js raise it', async () => {
    for (const [fields, id] of [
      [RATE_EXCEEDED, 'rate-exceeded'],
      [WAKING_UP, 'waking-up'],
      [SERVER_UNAVAILABLE, 'server-unavailable'],
    ] as const) {
      expect(transientRefusal(await pgError(fields))?.id).toBe(id)
      expect(transientRefusal(postgresJsError(fields))?.id).toBe(id)
    }
  })

  it('passes access denied, too many connections, TLS and network errors as not transient', async () => {
    expect(isTransientRefusal(await pgError(ACCESS_DENIED))).toBe(false)
    expect(isTransientRefusal(postgresJsError(TOO_MANY))).toBe(false)
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    })
    expect(isTransientRefusal(tls)).toBe(false)
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    expect(isTransientRefusal(reset)).toBe(false)
    expect(isTransientRefusal(undefined)).toBe(false)
    expect(isTransientRefusal('Unable to accept connection, rate exceeded.')).toBe(false)
  })

  it('needs the SQLSTATE where the table has one, and the exact text', async () => {
    // The same text under another SQLSTATE is not DSQL's refusal.
    expect(isTransientRefusal(await pgError({ ...RATE_EXCEEDED, code: '08006' }))).toBe(false)
    expect(isTransientRefusal(await pgError({ ...SERVER_UNAVAILABLE, code: '57P01' }))).toBe(false)
    expect(isTransientRefusal(await pgError({ ...RATE_EXCEEDED, message: 'rate exceeded' }))).toBe(
      false,
    )
    // The waking-up text has no recorded SQLSTATE: the text alone decides.
    expect(isTransientRefusal(new Error(WAKING_UP.message))).toBe(true)
  })

  it('looks through cause chains (a pg-pool timeout, a Kysely transaction)', async () => {
    const wrapped = new Error('Connection terminated due to connection timeout', {
      cause: await pgError(RATE_EXCEEDED),
    })
    expect(transientRefusal(wrapped)?.id).toBe('rate-exceeded')
    expect(isTransientRefusal(await kyselyError(await pgError(SERVER_UNAVAILABLE)))).toBe(true)
  })

  it('keeps the rules as frozen data, one row each', () => {
    expect(Object.isFrozen(TRANSIENT_REFUSALS)).toBe(true)
    expect(TRANSIENT_REFUSALS.map((r) => [r.id, r.sqlState, r.onlyAtConnect])).toEqual([
      ['rate-exceeded', '53400', true],
      ['waking-up', undefined, true],
      ['server-unavailable', 'XX000', false],
    ])
    // A refusal sent only at connect says so in its text.
    for (const row of TRANSIENT_REFUSALS) {
      expect(/^unable to accept connection, /i.test(row.message)).toBe(row.onlyAtConnect)
    }
    for (const row of TRANSIENT_REFUSALS) expect(Object.isFrozen(row)).toBe(true)
  })
})

describe('connectWithRetry', () => {
  it('opens again after each transient refusal and counts the attempts', async () => {
    const events: ConnectRetryEvent[] = []
    const { open, attempts } = refusing(3, () => postgresJsError(RATE_EXCEEDED))
    const result = await connectWithRetry(open, { baseDelayMs: 1, onRetry: (e) => events.push(e) })
    expect(result).toBe(4)
    expect(attempts).toEqual([1, 2, 3, 4])
    expect(events.map((e) => [e.attempt, e.sqlState, e.refusal])).toEqual([
      [1, '53400', 'rate-exceeded'],
      [2, '53400', 'rate-exceeded'],
      [3, '53400', 'rate-exceeded'],
    ])
  })

  it('returns at once when the first attempt succeeds', async () => {
    const { open, attempts } = refusing(0, () => new Error('unused'))
    expect(await connectWithRetry(open)).toBe(1)
    expect(attempts).toEqual([1])
  })

  it('rethrows any other refusal untouched after one attempt', async () => {
    const denied = await pgError(ACCESS_DENIED)
    const events: ConnectRetryEvent[] = []
    const { open, attempts } = refusing(5, () => denied)
    await expect(connectWithRetry(open, { onRetry: (e) => events.push(e) })).rejects.toBe(denied)
    expect(attempts).toEqual([1])
    expect(events).toEqual([])
  })

  it('keeps each backoff within [0, min(maxDelayMs, baseDelayMs * 2^(n-1))) with a seeded random', async () => {
    for (const seed of [1, 42, 2026]) {
      const delays: number[] = []
      const { open, attempts } = refusing(7, () => RATE_EXCEEDED)
      const random = seeded(seed)
      const expected = seeded(seed)
      await connectWithRetry(open, {
        maxAttempts: 8,
        baseDelayMs: 3,
        maxDelayMs: 40,
        random,
        onRetry: (e) => delays.push(e.delayMs),
      })
      const caps = [3, 6, 12, 24, 40, 40, 40]
      expect(attempts).toHaveLength(8)
      expect(delays).toEqual(caps.map((cap) => Math.floor(expected() * cap)))
      delays.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(caps[i] as number)
      })
    }
  })

  it('waits for real between attempts', async () => {
    const { open } = refusing(2, () => RATE_EXCEEDED)
    const started = performance.now()
    await connectWithRetry(open, { baseDelayMs: 40, random: () => 0.99 })
    // 39 ms then 79 ms of backoff; allow for timer granularity.
    expect(performance.now() - started).toBeGreaterThanOrEqual(110)
  })

  it('gives up after maxAttempts and rethrows the last refusal as the driver raised it', async () => {
    const errors: Error[] = []
    const { open, attempts } = refusing(10, () => {
      errors.push(postgresJsError(RATE_EXCEEDED))
      return errors.at(-1)
    })
    const error = await connectWithRetry(open, { maxAttempts: 3, baseDelayMs: 1 }).catch(
      (e: unknown) => e,
    )
    expect(attempts).toEqual([1, 2, 3])
    expect(error).toBe(errors[2])
    expect(error).toMatchObject({ code: '53400' })
  })

  it('makes no attempt later than maxElapsedMs after the first began', async () => {
    const { open, attempts } = refusing(100, () => WAKING_UP)
    const slowOpen = async (attempt: number) => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      return open(attempt)
    }
    const started = performance.now()
    const delays: number[] = []
    const error = await connectWithRetry(slowOpen, {
      maxAttempts: 100,
      baseDelayMs: 20,
      maxDelayMs: 20,
      maxElapsedMs: 100,
      random: () => 0.99,
      onRetry: (e) => {
        delays.push(e.delayMs)
        expect(e.elapsedMs + e.delayMs).toBeLessThanOrEqual(100)
      },
    }).catch((e: unknown) => e)
    const elapsed = performance.now() - started
    expect(error).toBe(WAKING_UP)
    expect(delays.every((d) => d === 19)).toBe(true)
    // Each round is at least 10 ms of opening and 19 ms of waiting: at most four rounds fit.
    expect(attempts.length).toBeGreaterThanOrEqual(2)
    expect(attempts.length).toBeLessThanOrEqual(4)
    // The last attempt started within the budget; it took its own 10 ms (and timers run late).
    expect(elapsed).toBeLessThan(100 + 10 + 50)
  })

  it('uses documented defaults', () => {
    expect(CONNECT_RETRY_DEFAULTS).toEqual({
      maxAttempts: 10,
      baseDelayMs: 100,
      maxDelayMs: 2000,
      maxElapsedMs: 15_000,
    })
    // Every wait together, at their caps, stays inside the time bound.
    let caps = 0
    for (let n = 1; n < CONNECT_RETRY_DEFAULTS.maxAttempts; n++) {
      caps += Math.min(
        CONNECT_RETRY_DEFAULTS.maxDelayMs,
        CONNECT_RETRY_DEFAULTS.baseDelayMs * 2 ** (n - 1),
      )
    }
    expect(caps).toBe(11_100)
    expect(caps).toBeLessThan(CONNECT_RETRY_DEFAULTS.maxElapsedMs)
  })

  it('takes a custom retryIf', async () => {
    const { open, attempts } = refusing(2, () => TOO_MANY)
    const result = await connectWithRetry(open, {
      baseDelayMs: 1,
      retryIf: (e) => (e as { code?: string }).code === '53300',
    })
    expect(result).toBe(3)
    expect(attempts).toEqual([1, 2, 3])
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    const { open, attempts } = refusing(10, () => RATE_EXCEEDED)
    const pending = connectWithRetry(open, {
      baseDelayMs: 10_000,
      random: () => 0.5,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('shutting down')), 20)
    await expect(pending).rejects.toThrow('shutting down')
    expect(attempts).toEqual([1])
  })

  it('rejects a nonsensical maxAttempts', async () => {
    await expect(connectWithRetry(async () => 1, { maxAttempts: 1.5 })).rejects.toThrow(RangeError)
  })
})
