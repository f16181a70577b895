import { describe, expect, it } from 'vitest'
import {
  DsqlRetryError,
  isOccConflict,
  RETRY_DEFAULTS,
  type RetryEvent,
  sqlState,
  withRetry,
} from '../src/index.ts'
import { kyselyError, pgError, postgresJsError } from './driver-errors.ts'

// DSQL's texts, exactly as in `dsql-facts.md` ("Concurrency").
const DATA_CONFLICT = {
  code: '40001',
  message: 'change conflicts with another transaction (OC000)',
}
const SCHEMA_CONFLICT = {
  code: '40001',
  message: 'schema has been updated by another transaction (OC001)',
}
const UNIQUE_VIOLATION = {
  code: '23505',
  message: 'duplicate key value violates unique constraint "owner_pkey"',
}

/** Fails with `error` the first `failures` times, then returns the attempt number. */
function flaky(failures: number, error: () => unknown) {
  const attempts: number[] = []
  const work = async (attempt: number) => {
    attempts.push(attempt)
    if (attempts.length <= failures) throw error()
    return attempt
  }
  return { work, attempts }
}

describe('sqlState and isOccConflict read every driver error shape', () => {
  it('pg: DatabaseError parsed from a real ErrorResponse', async () => {
    const error = await pgError(DATA_CONFLICT)
    expect(error.constructor.name).toBe('DatabaseError')
    expect(sqlState(error)).toBe('40001')
    expect(isOccConflict(error)).toBe(true)
    expect(isOccConflict(await pgError(UNIQUE_VIOLATION))).toBe(false)
  })

  it('postgres.js: PostgresError', () => {
    const error = postgresJsError(SCHEMA_CONFLICT)
    expect(error.name).toBe('PostgresError')
    expect(sqlState(error)).toBe('40001')
    expect(isOccConflict(error)).toBe(true)
    expect(isOccConflict(postgresJsError(UNIQUE_VIOLATION))).toBe(false)
  })

  it('Kysely (stub pg pool): the driver error comes out of a failed transaction', async () => {
    const error = await kyselyError(await pgError(DATA_CONFLICT))
    expect(sqlState(error)).toBe('40001')
    expect(isOccConflict(error)).toBe(true)
  })

  it('without any SQLSTATE, only DSQL’s exact conflict text counts, also inside a wrapper', () => {
    expect(isOccConflict(new Error(DATA_CONFLICT.message))).toBe(true)
    expect(isOccConflict(new Error('wrapped', { cause: new Error(SCHEMA_CONFLICT.message) }))).toBe(
      true,
    )
    expect(isOccConflict(new Error(`transaction failed: ${DATA_CONFLICT.message}`))).toBe(true)
    // The code alone, or a text that is not DSQL's, is not a conflict.
    expect(isOccConflict(new Error('schema has been updated: (OC001)'))).toBe(false)
    expect(isOccConflict(new Error('OC000'))).toBe(false)
    expect(isOccConflict(new Error('OC0001 is not a conflict code'))).toBe(false)
  })

  it('an error with another SQLSTATE is no conflict, whatever its message says', async () => {
    // What PostgreSQL answers `select $1::uuid` with 'OC001': the code is the user's input.
    const badUuid = await pgError({
      code: '22P02',
      message: 'invalid input syntax for type uuid: "OC001"',
    })
    expect(sqlState(badUuid)).toBe('22P02')
    expect(isOccConflict(badUuid)).toBe(false)
    const quoted = await pgError({ ...UNIQUE_VIOLATION, message: `${DATA_CONFLICT.message}` })
    expect(isOccConflict(quoted)).toBe(false)
    expect(isOccConflict(postgresJsError({ code: '42601', message: 'syntax error (OC000)' }))).toBe(
      false,
    )
  })

  it('finds the SQLSTATE through cause chains, and ignores system-call codes', async () => {
    expect(sqlState(new Error('outer', { cause: await pgError(DATA_CONFLICT) }))).toBe('40001')
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' })
    expect(sqlState(epipe)).toBeUndefined()
    expect(sqlState('40001')).toBeUndefined()
    expect(sqlState(null)).toBeUndefined()
  })
})

describe('withRetry', () => {
  it('runs the work again after each conflict and counts the attempts', async () => {
    const events: RetryEvent[] = []
    const { work, attempts } = flaky(3, () => postgresJsError(DATA_CONFLICT))
    const result = await withRetry(work, { baseDelayMs: 1, onRetry: (e) => events.push(e) })
    expect(result).toBe(4)
    expect(attempts).toEqual([1, 2, 3, 4])
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3])
    expect(events.every((e) => e.sqlState === '40001')).toBe(true)
  })

  it('returns at once when the first attempt succeeds', async () => {
    const { work, attempts } = flaky(0, () => new Error('unused'))
    expect(await withRetry(work)).toBe(1)
    expect(attempts).toEqual([1])
  })

  it('keeps each backoff within [0, min(maxDelayMs, baseDelayMs * 2^(n-1)))', async () => {
    for (const random of [() => 0, () => 0.5, () => 0.999_999]) {
      const delays: number[] = []
      const { work } = flaky(6, () => DATA_CONFLICT)
      await withRetry(work, {
        maxAttempts: 7,
        baseDelayMs: 4,
        maxDelayMs: 50,
        random,
        onRetry: (e) => delays.push(e.delayMs),
      })
      const caps = [4, 8, 16, 32, 50, 50]
      expect(delays).toHaveLength(6)
      delays.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(caps[i] as number)
        expect(delay).toBe(Math.floor(random() * (caps[i] as number)))
      })
    }
  })

  it('waits for real between attempts', async () => {
    const { work } = flaky(2, () => DATA_CONFLICT)
    const started = performance.now()
    await withRetry(work, { baseDelayMs: 40, random: () => 0.99 })
    // 39 ms then 79 ms of backoff; allow for timer granularity.
    expect(performance.now() - started).toBeGreaterThanOrEqual(110)
  })

  it('does not retry other errors and rethrows them untouched', async () => {
    const unique = await pgError(UNIQUE_VIOLATION)
    const { work, attempts } = flaky(5, () => unique)
    await expect(withRetry(work)).rejects.toBe(unique)
    expect(attempts).toEqual([1])
  })

  it('gives up after maxAttempts, keeping the last conflict as cause and the attempt count', async () => {
    const errors: Error[] = []
    const { work, attempts } = flaky(10, () => {
      errors.push(postgresJsError(DATA_CONFLICT))
      return errors.at(-1)
    })
    const error = await withRetry(work, { maxAttempts: 3, baseDelayMs: 1 }).catch((e: unknown) => e)
    expect(attempts).toEqual([1, 2, 3])
    expect(error).toBeInstanceOf(DsqlRetryError)
    expect(error).toMatchObject({ code: 'DSQL_RETRY_EXHAUSTED', attempts: 3 })
    expect((error as DsqlRetryError).cause).toBe(errors[2])
    expect((error as Error).message).toContain('3 attempts')
    expect(sqlState(error)).toBe('40001')
  })

  it('gives up when the total backoff budget is spent', async () => {
    const delays: number[] = []
    const { work, attempts } = flaky(100, () => DATA_CONFLICT)
    const error = await withRetry(work, {
      maxAttempts: 100,
      baseDelayMs: 10,
      maxDelayMs: 10,
      maxTotalDelayMs: 25,
      random: () => 0.99,
      onRetry: (e) => delays.push(e.delayMs),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DsqlRetryError)
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(25)
    expect(delays).toEqual([9, 9, 7])
    expect(attempts).toHaveLength(4)
    expect((error as Error).message).toContain('4 attempts and 25 ms of backoff')
  })

  it('uses sensible defaults', () => {
    expect(RETRY_DEFAULTS).toEqual({
      maxAttempts: 5,
      baseDelayMs: 20,
      maxDelayMs: 1000,
      maxTotalDelayMs: 5000,
    })
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    const { work, attempts } = flaky(10, () => DATA_CONFLICT)
    const pending = withRetry(work, {
      baseDelayMs: 10_000,
      random: () => 0.5,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('shutting down')), 20)
    await expect(pending).rejects.toThrow('shutting down')
    expect(attempts).toEqual([1])
  })

  it('rejects a nonsensical maxAttempts', async () => {
    await expect(withRetry(async () => 1, { maxAttempts: 0 })).rejects.toThrow(RangeError)
  })
})
