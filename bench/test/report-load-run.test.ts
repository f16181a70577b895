import { describe, expect, it } from 'vitest'
import { parseRun } from '../src/report/load-run.ts'
import { ReportError } from '../src/report/report-error.ts'
import { renderResultsMarkdown } from '../src/report/results-markdown.ts'
import { FIXTURE_RUN } from './fixtures/fixture-run.ts'

describe('reading a recorded run', () => {
  /** The error `parseRun` throws for `run` written as JSON. */
  function refusal(run: unknown): ReportError {
    try {
      parseRun(JSON.stringify(run), 'run.json')
    } catch (error) {
      expect(error).toBeInstanceOf(ReportError)
      return error as ReportError
    }
    throw new Error('expected the run to be refused')
  }

  it('reads back what was written', () => {
    expect(parseRun(JSON.stringify(FIXTURE_RUN), 'run.json')).toEqual(FIXTURE_RUN)
  })

  it('refuses a figure that was NaN when recorded, naming its path and the fix', () => {
    const [first, ...rest] = FIXTURE_RUN.connectBreakdown
    const broken = {
      ...FIXTURE_RUN,
      connectBreakdown: [
        { ...first, parts: { ...first?.parts, cachedTokenMs: Number.NaN }, coldTotalMs: Infinity },
        ...rest,
      ],
    }
    const error = refusal(broken)
    expect(error.code).toBe('RUN_INVALID')
    expect(error.message).toContain(
      '  - connectBreakdown[0].parts.cachedTokenMs should be a finite number but is null: it was NaN or Infinity when recorded (JSON writes both as null)\n',
    )
    expect(error.message).toContain('  - connectBreakdown[0].coldTotalMs should be a finite number')
    expect(error.message).toMatch(/Record the run again with `pnpm bench`\.$/)
  })

  it('requires every figure of every row, spreads down to each repetition', () => {
    const sections = [
      'connect',
      'connectBreakdown',
      'token',
      'queries',
      'contention',
      'footprint',
      'features',
    ] as const
    for (const section of sections) {
      const row = FIXTURE_RUN[section][0] as unknown as Record<string, unknown>
      for (const path of numberPaths(row)) {
        if (path === 'shareOfConnectPercent') continue
        const run = structuredClone(FIXTURE_RUN) as unknown as Record<
          string,
          Record<string, unknown>[]
        >
        setPath(run[section]?.[0] as Record<string, unknown>, path, null)
        expect(refusal(run).message, `${section}[0].${path}`).toContain(
          `  - ${section}[0].${path} should be a finite number but is null`,
        )
      }
    }
  })

  it('reads a token share recorded as null (no pg connect to hold it against) as not measured', () => {
    const run = {
      ...FIXTURE_RUN,
      token: FIXTURE_RUN.token.map((row) => ({ ...row, shareOfConnectPercent: Number.NaN })),
    }
    const read = parseRun(JSON.stringify(run), 'run.json')
    expect(read.token[0]?.shareOfConnectPercent).toBeNaN()
    expect(renderResultsMarkdown(read)).toContain(
      '| 1.80 µs (1.76–1.85) | 4.60 µs (4.51–4.74) | — |',
    )
    const wrong = {
      ...FIXTURE_RUN,
      token: [{ ...FIXTURE_RUN.token[0], shareOfConnectPercent: '1%' }],
    }
    expect(refusal(wrong).message).toContain(
      '  - token[0].shareOfConnectPercent should be a finite number, found "1%"',
    )
  })

  it('refuses a run without its source, naming it, and lists at most a dozen problems', () => {
    const { source: _source, ...withoutSource } = FIXTURE_RUN
    expect(refusal(withoutSource).message).toContain(
      '  - source should be an object { commit, dirty }: the git commit that recorded the run',
    )
    expect(refusal({ ...FIXTURE_RUN, source: { commit: 6559672 } }).message).toContain(
      '  - source.commit should be a string\n  - source.dirty should be true or false\n',
    )
    const allNull = {
      ...FIXTURE_RUN,
      queries: FIXTURE_RUN.queries.map((row) => ({ ...row, errors: null })),
    }
    const message = refusal(allNull).message
    expect(message.match(/^ {2}- queries\[\d+\]\.errors/gm)).toHaveLength(12)
    expect(message).toContain(`  - and ${FIXTURE_RUN.queries.length - 12} more\n`)
  })
})

/** The dotted paths of every number in `value` (array items as `[index]`), in order. */
function numberPaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'number') return [prefix]
  if (Array.isArray(value))
    return value.flatMap((item, index) => numberPaths(item, `${prefix}[${index}]`))
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      numberPaths(item, prefix === '' ? key : `${prefix}.${key}`),
    )
  }
  return []
}

/** Sets the field at a path of {@link numberPaths} to `field`. */
function setPath(object: Record<string, unknown>, path: string, field: unknown): void {
  const keys = path.split(/\.|\[(\d+)\]/).filter((key) => key !== undefined && key !== '')
  let target: Record<string, unknown> = object
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>
  target[keys.at(-1) as string] = field
}
