import { type DsqlConfig, type Env, loadConfig } from 'dsql-auth'

/** The example's configuration as the program reads it, with some variables changed for a test. */
export function clusterConfig(overrides: Env = {}): DsqlConfig {
  return loadConfig({ ...process.env, ...overrides })
}

/** Waits `ms` milliseconds: the expiry tests wait out real token lifetimes. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `condition` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) return false
    await sleep(20)
  }
  return true
}
