import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RETRY_DEFAULTS } from 'dsql-auth'
import { describe, expect, it } from 'vitest'
import {
  OFFICIAL_CONNECTOR_RETRY,
  retryPolicyBrief,
  retryPolicyWords,
  TEMPLATE_RETRY,
} from '../src/report/retry-policies.ts'

const CONNECTOR = join(
  import.meta.dirname,
  '..',
  'node_modules',
  '@aws',
  'aurora-dsql-node-postgres-connector',
)

describe('retry policies', () => {
  it("takes the templates' policy from dsql-auth's RETRY_DEFAULTS", () => {
    expect(TEMPLATE_RETRY).toMatchObject(RETRY_DEFAULTS)
    expect(retryPolicyWords(TEMPLATE_RETRY)).toBe(
      `up to ${RETRY_DEFAULTS.maxAttempts} attempts; waits drawn at random below ${RETRY_DEFAULTS.baseDelayMs} ms, a bound that doubles with each retry up to 1,000 ms, and at most 5,000 ms in all: under 300 ms before it gives up`,
    )
  })

  it("holds the official connector's defaults as the installed connector has them", async () => {
    const manifest = JSON.parse(await readFile(join(CONNECTOR, 'package.json'), 'utf8')) as {
      version: string
    }
    expect(manifest.version, 'read the defaults again from the new version').toBe(
      OFFICIAL_CONNECTOR_RETRY.version,
    )
    const code = await readFile(join(CONNECTOR, 'dist', 'index.mjs'), 'utf8')
    const defaults = /const DEFAULT_CONFIG = \{([^}]*)\}/.exec(code)?.[1]
    expect(defaults, 'DEFAULT_CONFIG of the connector').toBeDefined()
    const number = (name: string) =>
      Number(new RegExp(`${name}:\\s*([\\d.]+)`).exec(defaults ?? '')?.[1])
    expect(number('maxRetries') + 1).toBe(OFFICIAL_CONNECTOR_RETRY.maxAttempts)
    expect(number('baseDelayMs')).toBe(OFFICIAL_CONNECTOR_RETRY.baseDelayMs)
    expect(number('maxDelayMs')).toBe(OFFICIAL_CONNECTOR_RETRY.maxDelayMs)
    expect(number('jitterFactor') * 100).toBe(
      OFFICIAL_CONNECTOR_RETRY.jitter.kind === 'added'
        ? OFFICIAL_CONNECTOR_RETRY.jitter.addedPercent
        : Number.NaN,
    )
  })

  it('gives the most a policy waits before it gives up', () => {
    // (1 + 2 + 4) ms, each with up to 25% more.
    expect(retryPolicyBrief(OFFICIAL_CONNECTOR_RETRY)).toBe(
      'up to 4 attempts, at most 8.75 ms of waiting',
    )
    // The total limit caps the doubling waits.
    expect(retryPolicyBrief({ ...TEMPLATE_RETRY, maxAttempts: 20, maxTotalDelayMs: 2_500 })).toBe(
      'up to 20 attempts, under 2,500 ms of waiting',
    )
  })
})
