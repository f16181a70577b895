import type { FootprintClient, FootprintTarget } from './footprint-clients.ts'

/** What a footprint process is asked to do: its one command-line argument, as JSON. */
export interface FootprintTask {
  readonly client: FootprintClient['id']
  /** Point queries to run through the pool after the first result. */
  readonly queries: number
  /** The target without its environment (which holds secrets: it is passed as the environment). */
  readonly target: FootprintTarget
}

/**
 * What a footprint process sends its parent over the IPC channel: `first-result` as soon as the
 * first `select 1` has returned (the parent reads its clock then), and `done` with its peak
 * resident set in KiB after the point queries: `VmHWM` of its `/proc/self/status` on Linux
 * (`getrusage`'s `maxRSS` would carry the parent's peak across `exec`), `maxRSS` elsewhere.
 */
export type FootprintMessage =
  | { readonly kind: 'first-result' }
  | { readonly kind: 'done'; readonly maxRssKiB: number }

/**
 * Whether `message`, received over IPC, is a {@link FootprintMessage}.
 *
 * @example
 * ```ts
 * child.on('message', (message) => { if (isFootprintMessage(message)) handle(message) })
 * ```
 */
export function isFootprintMessage(message: unknown): message is FootprintMessage {
  if (typeof message !== 'object' || message === null) return false
  const { kind, maxRssKiB } = message as { kind?: unknown; maxRssKiB?: unknown }
  return kind === 'first-result' || (kind === 'done' && typeof maxRssKiB === 'number')
}
