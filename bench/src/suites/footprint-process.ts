import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { DsqlTarget } from '../bench-target.ts'
import { FootprintChildError, type FootprintChildErrorCode } from './footprint-child-error.ts'
import { FOOTPRINT_CLIENTS, type FootprintClient } from './footprint-clients.ts'
import { type FootprintTask, isFootprintMessage } from './footprint-messages.ts'

/** What one footprint process measured. */
export interface FootprintFigures {
  /** From just before `spawn()` to the parent receiving the child's `first-result` message. */
  readonly coldStartMs: number
  /**
   * The child's peak resident set after its point queries, in KiB, as it reported it: `VmHWM` of
   * its `/proc/self/status` on Linux, `process.resourceUsage().maxRSS` elsewhere.
   */
  readonly maxRssKiB: number
}

/** Options of {@link runFootprintProcess}. */
export interface FootprintProcessOptions {
  /** The child is killed and the call rejects after this long. Default 60,000 ms. */
  readonly timeoutMs?: number
}

const CHILD_SCRIPT = join(import.meta.dirname, 'footprint-child.ts')
/** How much of the child's output is kept for an error message. */
const TAIL_CHARS = 4_000
const TAIL_LINES = 20
/** Presigned tokens (`...?Action=DbConnect&X-Amz-...`): never shown, whatever printed them. */
const TOKEN_LIKE = /\S*X-Amz-\S*/g
/** Environment values that are secrets, blanked out of an error message too. */
const SECRET_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const

/**
 * Runs one fresh Node.js process (`process.execPath footprint-child.ts`) that opens `client`'s pool
 * against `target` and reports back, and resolves to its figures once it has exited cleanly. The
 * child's environment is `process.env` with `target.env` over it.
 *
 * The cold start is the parent's clock from just before `spawn()` to the arrival of the child's
 * message that its first `select 1` returned. It includes process creation and Node.js start-up,
 * stripping the types of the `.ts` files and loading every module the client needs, creating the
 * pool, obtaining the token (resolving credentials from the environment and signing), TCP, TLS
 * and authentication of the first connection, the first query, and one IPC message (tens of
 * microseconds).
 *
 * The child always ends before this settles: when it fails, reports garbage, exits without its
 * figures or outlives `timeoutMs`, it is killed (SIGKILL) if still running, and the call rejects
 * with a {@link FootprintChildError} after its exit, with the end of its output (AWS keys and
 * tokens blanked out).
 *
 * @example
 * ```ts
 * const { coldStartMs, maxRssKiB } = await runFootprintProcess('pg', target, 5_000)
 * ```
 */
export function runFootprintProcess(
  client: FootprintClient['id'],
  target: DsqlTarget,
  queries: number,
  options: FootprintProcessOptions = {},
): Promise<FootprintFigures> {
  const { env, ...withoutEnv } = target
  const task: FootprintTask = { client, queries, target: withoutEnv }
  const timeoutMs = options.timeoutMs ?? 60_000
  const known = FOOTPRINT_CLIENTS.find((candidate) => candidate.id === client)
  const label = known === undefined ? client : `${known.driver} ${known.client}`
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(task)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    let coldStartMs: number | undefined
    let maxRssKiB: number | undefined
    let failure: { code: FootprintChildErrorCode; why: string; cause?: unknown } | undefined
    let output = ''
    const keep = (chunk: string) => {
      output = (output + chunk).slice(-TAIL_CHARS)
    }
    // Both are pipes (see `stdio`); the types cannot tell with an 'ipc' entry in the list.
    child.stdout?.setEncoding('utf8').on('data', keep)
    child.stderr?.setEncoding('utf8').on('data', keep)

    const running = () => child.exitCode === null && child.signalCode === null
    const fail = (code: FootprintChildErrorCode, why: string, cause?: unknown) => {
      failure ??= { code, why, cause }
      if (running()) child.kill('SIGKILL')
    }
    const timer = setTimeout(
      () => fail('CHILD_TIMEOUT', `did not finish within ${timeoutMs} ms`),
      timeoutMs,
    )

    let settled = false
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (
        failure === undefined &&
        code === 0 &&
        coldStartMs !== undefined &&
        maxRssKiB !== undefined
      ) {
        resolve({ coldStartMs, maxRssKiB })
        return
      }
      const why =
        failure?.why ??
        (code === 0
          ? 'exited without reporting its figures'
          : 'exited before reporting its figures')
      const ending = signal === null ? `exit code ${code}` : `signal ${signal}`
      const message =
        `The ${label} footprint process (pid ${child.pid ?? 'none'}) ${why} (${ending}).` +
        `\nIts last output:\n${redact(tail(output), env)}`
      reject(
        new FootprintChildError(failure?.code ?? 'CHILD_FAILED', message, child.pid, {
          cause: failure?.cause,
        }),
      )
    }

    child.on('message', (message) => {
      if (!isFootprintMessage(message)) {
        fail('CHILD_FAILED', 'sent a message that is not a footprint message')
      } else if (message.kind === 'first-result') {
        coldStartMs ??= performance.now() - started
      } else {
        maxRssKiB = message.maxRssKiB
      }
    })
    child.on('error', (error) => {
      fail('CHILD_FAILED', 'could not be started or signalled', error)
      // A process that never started emits no 'close'.
      if (child.pid === undefined) settle(null, null)
    })
    child.on('close', settle)
  })
}

/** The last {@link TAIL_LINES} lines of `output`, or a note that there was none. */
function tail(output: string): string {
  const lines = output.trimEnd().split('\n').slice(-TAIL_LINES)
  return lines.join('\n') || '(nothing)'
}

/** `text` with presigned tokens and the target's AWS keys replaced. */
function redact(text: string, env: Readonly<Record<string, string>>): string {
  let safe = text.replace(TOKEN_LIKE, '[token hidden]')
  for (const key of SECRET_KEYS) {
    const secret = env[key] ?? process.env[key]
    if (secret !== undefined && secret.length >= 8)
      safe = safe.replaceAll(secret, `[${key} hidden]`)
  }
  return safe
}
