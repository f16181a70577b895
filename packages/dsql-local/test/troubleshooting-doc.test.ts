import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { accessDeniedHints } from '../src/auth/access-denied-hints.ts'
import { refusals } from '../src/front/refusal.ts'

// docs/troubleshooting.md quotes the stand-in's answers; a change of wording here must reach it.
const doc = readFileSync(
  path.join(import.meta.dirname, '..', '..', '..', 'docs', 'troubleshooting.md'),
  'utf8',
).replace(/\s+/g, ' ')

describe('docs/troubleshooting.md', () => {
  it('quotes the refusal texts the stand-in sends, word for word', () => {
    const quoted = [
      refusals.accessDenied().message,
      refusals.sniNotReceived.message,
      accessDeniedHints.wrongAction('admin', 'DbConnect'),
      accessDeniedHints.wrongRegion(),
      accessDeniedHints.signatureMismatch(),
      accessDeniedHints.invalidKey(),
    ]
    for (const text of quoted) expect(doc).toContain(text)
  })

  it('shows the shape of the time-dependent hints', () => {
    const expired = accessDeniedHints.expired(
      '20261128T213254Z',
      Date.UTC(2026, 10, 28, 22, 32, 54),
      900,
    )
    expect(doc).toContain(expired)
    const ahead = accessDeniedHints.notYetCurrent(
      '20261128T233254Z',
      Date.UTC(2026, 10, 28, 22, 32, 54),
      300_000,
    )
    expect(doc).toContain(ahead)
  })
})
