import net from 'node:net'
import type { DsqlLocalCluster } from 'dsql-local'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { QUICK_SETTINGS } from '../src/bench-settings.ts'
import type { DsqlTarget } from '../src/bench-target.ts'
import { silentProgress } from '../src/progress.ts'
import { measureFootprint } from '../src/suites/footprint.ts'
import { FootprintChildError } from '../src/suites/footprint-child-error.ts'
import { runFootprintProcess } from '../src/suites/footprint-process.ts'
import { startInProcessTarget } from './in-process-target.ts'

const settings = { ...QUICK_SETTINGS, footprintProcesses: 1, footprintQueries: 200 }

let cluster: DsqlLocalCluster
let target: DsqlTarget

beforeAll(async () => {
  ;({ cluster, target } = await startInProcessTarget())
})

afterAll(async () => {
  await cluster?.stop()
})

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Whether a process with this id exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The error `promise` rejects with (the test fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  )
}

describe('measureFootprint', () => {
  test('gives cold start and peak memory for the three templates and the official connector', async () => {
    const rows = await measureFootprint(target, settings, silentProgress)
    expect(rows.map((row) => `${row.driver} ${row.client}`)).toEqual([
      'pg template',
      'postgres.js template',
      'kysely template',
      'pg official',
    ])
    for (const row of rows) {
      expect(row.coldStartMs.runs).toHaveLength(settings.footprintProcesses)
      expect(row.coldStartMs.median).toBeGreaterThan(0)
      expect(row.coldStartMs.median).toBeLessThan(60_000)
      // A Node.js process with a driver, TLS and the AWS SDK loaded holds more than 20 MiB.
      expect(row.peakRssMiB.median).toBeGreaterThan(20)
      expect(row.peakRssMiB.median).toBeLessThan(4_096)
    }
  })

  test('a child reports its own peak memory, not that of the larger process that started it', async () => {
    // getrusage's maxRSS keeps the forking parent's high-water mark across exec: with a parent
    // this large, every child would report at least its size.
    const ballast = Buffer.alloc(600 * 2 ** 20, 1)
    try {
      const parentPeakKiB = process.resourceUsage().maxRSS
      expect(parentPeakKiB).toBeGreaterThan(600 * 1024)
      const figures = await runFootprintProcess('pg', target, 50)
      expect(figures.maxRssKiB).toBeGreaterThan(20 * 1024)
      expect(figures.maxRssKiB).toBeLessThan(parentPeakKiB / 2)
    } finally {
      ballast.fill(0)
    }
  })

  test('a process that cannot connect fails the run with its error, and is gone', async () => {
    const port = await closedPort()
    const unreachable: DsqlTarget = {
      ...target,
      port,
      env: { ...target.env, DB_PORT: String(port) },
    }
    const error = await rejection(measureFootprint(unreachable, settings, silentProgress))
    expect(error).toBeInstanceOf(FootprintChildError)
    const failed = error as FootprintChildError
    expect(failed.code).toBe('CHILD_FAILED')
    expect(failed.message).toMatch(/^The pg template footprint process \(pid \d+\) exited before/)
    expect(failed.message).toMatch(/exit code 1/)
    expect(failed.message).toMatch(
      /footprint process failed: Error ECONNREFUSED: connect ECONNREFUSED/,
    )
    expect(failed.message).not.toContain(cluster.credentials.secretAccessKey)
    expect(failed.pid).toBeTypeOf('number')
    expect(alive(failed.pid as number)).toBe(false)
  })

  test('a process that outlives its time is killed', async () => {
    const error = await rejection(runFootprintProcess('kysely', target, 200, { timeoutMs: 50 }))
    expect(error).toBeInstanceOf(FootprintChildError)
    const failed = error as FootprintChildError
    expect(failed.code).toBe('CHILD_TIMEOUT')
    expect(failed.message).toMatch(/did not finish within 50 ms \(signal SIGKILL\)/)
    expect(alive(failed.pid as number)).toBe(false)
  })
})
