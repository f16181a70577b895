/**
 * One footprint process, started by `runFootprintProcess` (never by hand: it talks over the IPC
 * channel). Its argument is a `FootprintTask` as JSON. It loads one client, opens its pool, runs
 * `select 1` and says so at once (`first-result`), then runs the task's point queries with
 * `FOOTPRINT_POOL_MAX` in flight, checks every answer, closes the pool and sends its peak RSS
 * (`done`). On any failure it writes the error to stderr and exits with code 1; when its parent
 * goes away it exits at once.
 */
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { FOOTPRINT_CLIENTS, FOOTPRINT_POOL_MAX, type FootprintPool } from './footprint-clients.ts'
import type { FootprintMessage, FootprintTask } from './footprint-messages.ts'

const send = (message: FootprintMessage) =>
  new Promise<void>((resolve, reject) => {
    if (process.send === undefined) throw new Error('footprint-child.ts needs an IPC channel')
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()))
  })

async function run(task: FootprintTask): Promise<number> {
  const client = FOOTPRINT_CLIENTS.find((candidate) => candidate.id === task.client)
  if (client === undefined) throw new Error(`unknown footprint client ${String(task.client)}`)
  const pool: FootprintPool = await client.open(task.target)
  try {
    await pool.first()
    await send({ kind: 'first-result' })
    let next = 0
    const worker = async () => {
      while (next < task.queries) {
        const value = next++
        const answer = await pool.point(value)
        if (answer !== value) throw new Error(`select $1::int sent ${value} and got ${answer} back`)
      }
    }
    await Promise.all(Array.from({ length: FOOTPRINT_POOL_MAX }, worker))
  } finally {
    await pool.end()
  }
  return peakRssKiB()
}

/**
 * The most memory this process has held, in KiB. On Linux that is `VmHWM` of `/proc/self/status`:
 * `getrusage`'s `maxRSS` would not do, as it keeps the high-water mark of the process that forked
 * it (the benchmark itself) across `exec`, and so reports the parent's size for every small child.
 * Elsewhere `maxRSS` is the best there is.
 */
function peakRssKiB(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status)
    if (match?.[1] !== undefined) return Number(match[1])
  } catch {
    // Not Linux: no /proc.
  }
  return process.resourceUsage().maxRSS
}

// Without its parent nobody reads the figures: do not linger as an orphan.
process.on('disconnect', () => process.exit(2))
try {
  const task = JSON.parse(process.argv[2] ?? '') as FootprintTask
  const maxRssKiB = await run(task)
  await send({ kind: 'done', maxRssKiB })
  process.exit(0)
} catch (error) {
  // stderr is a pipe: written synchronously on Linux and macOS, so nothing is lost at exit. The
  // summary comes last, so that it is in the tail the parent shows however long the details are.
  process.stderr.write(
    `${inspect(error, { depth: 4 })}\nfootprint process failed: ${summary(error)}\n`,
  )
  process.exit(1)
}

/** `error`'s name, code and message, and those of its causes, on one line. */
function summary(error: unknown): string {
  const parts: string[] = []
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (!(current instanceof Error)) {
      parts.push(String(current))
      break
    }
    const { code } = current as { code?: unknown }
    parts.push(`${current.name}${code === undefined ? '' : ` ${String(code)}`}: ${current.message}`)
    current = current.cause
  }
  return parts.join(' <- caused by ')
}
