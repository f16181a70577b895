import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RETRY_DEFAULTS } from 'dsql-auth'
import { describe, expect, it } from 'vitest'
import { findBlocks, replaceBlocks } from '../src/report/docs/doc-blocks.ts'
import { DOC_FILES } from '../src/report/docs/doc-files.ts'
import { findingsBlock } from '../src/report/docs/findings.ts'
import { measuredTable } from '../src/report/docs/measured-table.ts'
import { pickSummary } from '../src/report/docs/pick-summary.ts'
import { renderDocs } from '../src/report/docs/render-docs.ts'
import { runSummary } from '../src/report/docs/run-summary.ts'
import { ReportError } from '../src/report/report-error.ts'
import { FIXTURE_RUN } from './fixtures/fixture-run.ts'
import { CLUSTER_FIXTURE_RUN, EMPTY_QUICK_FIXTURE_RUN } from './fixtures/fixture-variants.ts'

const REPOSITORY = join(import.meta.dirname, '..', '..')

const DOC = [
  '# Title',
  '',
  'Prose with a number that is no measurement: 3 drivers.  ',
  '<!-- bench:first -->',
  'old first',
  '<!-- /bench:first -->',
  '',
  '| a | table |',
  '<!-- bench:second --><!-- /bench:second -->',
  'trailing prose, no final newline',
].join('\n')

/** The text outside the blocks: what must never change. */
function prose(text: string): string[] {
  return text.split(/<!-- bench:[a-z0-9-]+ -->[\s\S]*?<!-- \/bench:[a-z0-9-]+ -->/)
}

/** The error `action` throws. */
function errorOf(action: () => unknown): ReportError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(ReportError)
    return error as ReportError
  }
  throw new Error('expected an error')
}

describe('generated blocks', () => {
  it('replaces the content of each block and keeps everything else byte for byte', () => {
    const result = replaceBlocks(DOC, { first: '- new first', second: 'new second' }, 'doc.md')
    expect(result).toBe(
      [
        '# Title',
        '',
        'Prose with a number that is no measurement: 3 drivers.  ',
        '<!-- bench:first -->',
        '- new first',
        '<!-- /bench:first -->',
        '',
        '| a | table |',
        '<!-- bench:second -->',
        'new second',
        '<!-- /bench:second -->',
        'trailing prose, no final newline',
      ].join('\n'),
    )
    expect(prose(result)).toEqual(prose(DOC))
  })

  it('gives the same text when rendered twice', () => {
    const blocks = { first: 'one', second: 'two' }
    const once = replaceBlocks(DOC, blocks, 'doc.md')
    expect(replaceBlocks(once, blocks, 'doc.md')).toBe(once)
  })

  it('refuses a block the renderer does not know, naming it and the file', () => {
    const error = errorOf(() => replaceBlocks(DOC, { first: 'one' }, 'docs/guide.md'))
    expect(error.code).toBe('DOC_BLOCKS')
    expect(error.message).toBe(
      'docs/guide.md: unknown block "second"; the blocks of this file are: first',
    )
  })

  it('refuses a file that lacks one of its blocks, naming it and the file', () => {
    const error = errorOf(() =>
      replaceBlocks(DOC, { first: '', second: '', findings: '' }, 'README.md'),
    )
    expect(error.message).toContain('README.md: block "findings" is missing')
  })

  it('refuses unbalanced, nested, duplicated and malformed markers, naming the block', () => {
    const cases: [string, string][] = [
      ['<!-- bench:a -->\ntext', 'block "a" is never closed'],
      ['text\n<!-- /bench:a -->', 'block "a" is closed but was never opened'],
      [
        '<!-- bench:a -->\n<!-- bench:b -->\n<!-- /bench:b -->\n<!-- /bench:a -->',
        'block "a" is not closed before block "b" opens',
      ],
      ['<!-- bench:a -->\n<!-- /bench:b -->', 'block "a" is closed by the marker of block "b"'],
      [
        '<!-- bench:a --><!-- /bench:a -->\n<!-- bench:a --><!-- /bench:a -->',
        'block "a" appears twice',
      ],
      [
        '<!-- bench:Bad_Name --><!-- /bench:Bad_Name -->',
        'the marker <!-- bench:Bad_Name --> has no valid block name',
      ],
    ]
    for (const [text, problem] of cases) {
      const error = errorOf(() => findBlocks(text, 'x.md'))
      expect(error.message, text).toContain(`x.md: ${problem}`)
    }
  })

  it('renders the committed docs: every block known, all prose kept', async () => {
    const texts = new Map<string, string>()
    for (const doc of DOC_FILES)
      texts.set(doc.path, await readFile(join(REPOSITORY, doc.path), 'utf8'))
    for (const run of [FIXTURE_RUN, EMPTY_QUICK_FIXTURE_RUN, CLUSTER_FIXTURE_RUN]) {
      const rendered = renderDocs(run, texts)
      for (const doc of DOC_FILES) {
        const before = texts.get(doc.path) as string
        const after = rendered.get(doc.path) as string
        expect(prose(after), doc.path).toEqual(prose(before))
        expect(
          findBlocks(after, doc.path).map((block) => block.name),
          doc.path,
        ).toEqual(Object.keys(doc.blocks(run)).sort(byPosition(before)))
      }
    }
  })

  it('writes the findings from the run, with the numbers formatted as in results.md', async () => {
    const readme = await readFile(join(REPOSITORY, 'README.md'), 'utf8')
    const guide = await readFile(join(REPOSITORY, 'docs/driver-comparison.md'), 'utf8')
    const rendered = renderDocs(
      FIXTURE_RUN,
      new Map([
        ['README.md', readme],
        ['docs/driver-comparison.md', guide],
      ]),
    )
    const findings = (rendered.get('README.md') as string)
      .split('<!-- bench:findings -->')[1]
      ?.split('<!-- /bench:findings -->')[0]
    expect(findings).toContain(
      'the pg template opens a new connection and runs its first query in 5.71 ms (p50), 4.0% faster than the official connector (5.95 ms)',
    )
    expect(findings).toContain('direct TLS saves a new connection 5.22 ms with pg')
    expect(findings).toContain('about one round trip')
    expect(findings).toContain(
      "with 10 callers in flight, at 0 ms added latency, point selects run at 17,755/s with the pg template (3.43× the official connector's 5,174/s)",
    )
    expect(findings).toContain('against plain PostgreSQL, the ceiling, 24,110/s with pg')
    const guideBlocks = rendered.get('docs/driver-comparison.md') as string
    expect(guideBlocks).toContain(
      'Figures from the run of 2026-12-01 10:00 UTC at commit `0123456`, against a `dsql-local` stand-in',
    )
    const empty = renderDocs(
      EMPTY_QUICK_FIXTURE_RUN,
      new Map([
        ['README.md', readme],
        ['docs/driver-comparison.md', guide],
      ]),
    )
    expect(empty.get('README.md')).toContain('- No measurements in this run.')
    expect(empty.get('docs/driver-comparison.md')).toContain('_Not measured in this run._')
  })
})

describe('the blocks of a run', () => {
  const findings = findingsBlock(FIXTURE_RUN)
  const table = measuredTable(FIXTURE_RUN)

  it('names the commit in the run summary, and uncommitted changes when there were', () => {
    expect(runSummary(FIXTURE_RUN, 'bench/results.md')).toMatch(
      /^Figures from the run of 2026-12-01 10:00 UTC at commit `0123456`, against /,
    )
    const dirty = { ...FIXTURE_RUN, source: { ...FIXTURE_RUN.source, dirty: true } }
    expect(runSummary(dirty, 'bench/results.md')).toContain(
      'at commit `0123456` with uncommitted changes, against',
    )
  })

  it('calls plain PostgreSQL a reference on connect and the ceiling on pooled queries', () => {
    expect(table).toContain('| … bare driver (floor of the auth layer) | 5.59 ms |')
    expect(table).toContain('| … plain PostgreSQL (reference, not a ceiling) | 3.34 ms |')
    expect(table).toContain('| … plain PostgreSQL (ceiling) | 24,110 |')
    expect(table).not.toContain('| … plain PostgreSQL (ceiling) | 3.34 ms')
    expect(findings).toContain(
      'the bare driver with a token signed beforehand (the floor of the auth layer) takes 5.59 ms and plain PostgreSQL 3.34 ms (a reference, not a ceiling: it forks a process and runs its own TLS for each connection)',
    )
  })

  it('holds the pg template against the official connector at the highest latency too', () => {
    // 5.95 + 5 × 5 (SSLRequest: one round trip more) against 5.71 + 4 × 5.
    expect(findings).toContain(
      "At 5 ms added latency the pg template takes 25.7 ms against the official connector's 30.9 ms, 5.24 ms (about one round trip) less, as the template starts TLS directly where the connector sends an SSLRequest first.",
    )
    expect(table).toContain('| New connection, p50, 5 ms added latency: template | 25.7 ms |')
    expect(table).toContain('| … official connector (SSLRequest) | 30.9 ms | — | — |')
  })

  it('says pooled and contention figures were measured without added latency', () => {
    expect(table).toContain('| Point selects/s, 10 in flight, at 0 ms added latency: template |')
    expect(table).toContain(
      `| Attempts per commit, 8 workers on 4 rows, at 0 ms added latency: template (\`withRetry\`, up to ${RETRY_DEFAULTS.maxAttempts} attempts) |`,
    )
    expect(findings).toContain('Under contention (8 workers on 4 rows, at 0 ms added latency)')
    expect(pickSummary(FIXTURE_RUN, 'pg')).toContain(
      '17,755 point selects/s with 10 in flight at 0 ms added latency',
    )
    const cluster = findingsBlock(CLUSTER_FIXTURE_RUN)
    expect(cluster).toContain('- Over the real network the pg template opens a new connection')
    expect(cluster).toContain('with 10 callers in flight, over the real network, point selects')
  })

  it("puts the contention down to two retry policies, the templates' read from RETRY_DEFAULTS", () => {
    expect(findings).toContain(
      `the templates need 1.79 to 1.82 attempts per commit with \`withRetry\`'s defaults (up to ${RETRY_DEFAULTS.maxAttempts} attempts, under `,
    )
    expect(findings).toContain(
      'the official connector 1.88 with its `pool.transaction()` defaults (up to 4 attempts, at most 8.75 ms of waiting)',
    )
    expect(findings).toContain(
      "no committed update was lost; transactions that gave up at their helper's last attempt: 9 of 7,074 (0.13%) with the templates, 112 of 2,342 (4.78%) with the official connector.",
    )
    expect(findings).toContain(
      'The differences in attempts per commit and in give-ups come from the two retry policies, not only from the pools.',
    )
    expect(findings).not.toMatch(/\(\d attempts\)/)
    const lost = findingsBlock({
      ...FIXTURE_RUN,
      contention: FIXTURE_RUN.contention.map((row) =>
        row.client === 'official' ? { ...row, lostUpdates: 2 } : row,
      ),
    })
    expect(lost).toContain(
      '**LOST UPDATES**: the pg official connector lost 2, where there must be none;',
    )
  })
})

/** Orders block names by where they stand in `text`. */
function byPosition(text: string): (a: string, b: string) => number {
  return (a, b) => text.indexOf(`<!-- bench:${a} -->`) - text.indexOf(`<!-- bench:${b} -->`)
}
