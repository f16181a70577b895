import { RETRY_DEFAULTS } from 'dsql-auth'
import { describe, expect, it } from 'vitest'
import {
  formatDecimal,
  formatInteger,
  formatKiB,
  formatRatio,
  formatSpreadMs,
  formatSpreadOps,
} from '../src/report/number-format.ts'
import { renderResultsMarkdown } from '../src/report/results-markdown.ts'
import { NOT_MEASURED } from '../src/report/sections/report-section.ts'
import { spread } from '../src/stats.ts'
import { FIXTURE_RUN } from './fixtures/fixture-run.ts'
import { CLUSTER_FIXTURE_RUN, EMPTY_QUICK_FIXTURE_RUN } from './fixtures/fixture-variants.ts'

const SECTIONS = [
  '# Benchmark results',
  '## Environment',
  '## Settings',
  '## Bars',
  '## New connection to first query',
  "## Where a new connection's time goes",
  '## The token step',
  '## Queries through a warm pool',
  '## Contention',
  '## Footprint',
  '## What each template weighs',
]

/** The lines of `markdown` under the `##` heading `title`, up to the next `##` heading. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`)
  expect(start, `section ${title}`).toBeGreaterThan(-1)
  const end = markdown.indexOf('\n## ', start + 1)
  return markdown.slice(start, end === -1 ? undefined : end)
}

/** The table row of `markdown` that starts with `cells`. */
function row(markdown: string, ...cells: string[]): string {
  const line = markdown
    .split('\n')
    .find((candidate) => candidate.startsWith(`| ${cells.join(' | ')} |`))
  expect(line, `a row starting with ${cells.join(' | ')}`).toBeDefined()
  return line as string
}

describe('number formatting', () => {
  it('writes ms with two decimals below 10 and one from 10 on', () => {
    expect(formatDecimal(5.714)).toBe('5.71')
    // Too small for two decimals: one significant digit rather than a zero.
    expect(formatDecimal(0.0031)).toBe('0.003')
    expect(formatDecimal(0)).toBe('0.00')
    expect(formatDecimal(9.994)).toBe('9.99')
    expect(formatDecimal(25.84)).toBe('25.8')
    expect(formatDecimal(2410)).toBe('2,410.0')
    expect(formatDecimal(-0.001)).toBe('0.00')
    expect(formatDecimal(Number.NaN)).toBe('—')
  })

  it('writes integers with thousands separators whatever the locale', () => {
    expect(formatInteger(17755.4)).toBe('17,755')
    expect(formatInteger(1234567)).toBe('1,234,567')
    expect(formatInteger(999)).toBe('999')
    expect(formatInteger(-4200)).toBe('-4,200')
  })

  it('shows a spread next to its median, and a single repetition alone', () => {
    expect(formatSpreadMs(spread([5.6, 5.71, 5.9]))).toBe('5.71 ms (5.60–5.90)')
    expect(formatSpreadMs(spread([24.9, 25.7, 26.1]))).toBe('25.7 ms (24.9–26.1)')
    expect(formatSpreadOps(spread([17_400, 17_755, 18_288], 0))).toBe('17,755 (17,400–18,288)')
    expect(formatSpreadMs(spread([5.71]))).toBe('5.71 ms')
  })

  it('writes ratios with two decimals, and a dash without a base', () => {
    expect(formatRatio(5.71, 5.59)).toBe('1.02×')
    expect(formatRatio(5.71, undefined)).toBe('—')
    expect(formatRatio(5.71, 0)).toBe('—')
  })

  it('writes sizes in KiB below 1 MiB and in MiB above', () => {
    expect(formatKiB(812)).toBe('812 KiB')
    expect(formatKiB(3930)).toBe('3.8 MiB')
  })
})

describe('results.md', () => {
  const markdown = renderResultsMarkdown(FIXTURE_RUN)

  it('has a header with date, target, machine, Node, versions and settings', () => {
    expect(markdown).toContain(
      'Recorded 2026-12-01 10:00 UTC by `pnpm bench` at commit `0123456`, against a `dsql-local` stand-in',
    )
    expect(markdown).toContain('in 9 min 12 s')
    expect(markdown).toContain(
      '- **Machine**: Fixture CPU (made-up numbers), 2 CPUs, 8 GiB memory, linux 6.18',
    )
    expect(markdown).toContain('- **Node.js**: v24.21.0')
    expect(markdown).toContain(
      'pg 8.23.1, postgres 3.4.9, kysely 0.29.9, @aws/aurora-dsql-node-postgres-connector 0.1.9',
    )
    expect(markdown).toContain('- **Repetitions**: 3 of each workload.')
    expect(markdown).toContain('then 40 new connections per repetition, at 0 and 5 ms')
    expect(markdown).toContain(
      '500 ms warm-up, then 3,000 ms per repetition with 1, 10 and 50 callers in flight, at 0 ms added latency;',
    )
    expect(markdown).toContain(
      '- **Contention**: 8 workers on 4 rows, 3,000 ms per repetition, at 0 ms added latency.',
    )
    expect(markdown).not.toContain('Quick run')
    expect(markdown).not.toContain('uncommitted')
  })

  it('says which commit recorded the run, and when its work tree had uncommitted changes', () => {
    const dirty = renderResultsMarkdown({
      ...FIXTURE_RUN,
      source: { commit: 'fedcba9876543210fedcba9876543210fedcba98', dirty: true },
    })
    expect(dirty).toContain(
      'Recorded 2026-12-01 10:00 UTC by `pnpm bench` at commit `fedcba9` with uncommitted changes, against',
    )
    // Whatever the recorder could not resolve to a hash is shown as it is.
    const unknown = renderResultsMarkdown({
      ...FIXTURE_RUN,
      source: { commit: 'unknown', dirty: false },
    })
    expect(unknown).toContain('by `pnpm bench` at commit `unknown`, against')
  })

  it('has every section, in order', () => {
    const positions = SECTIONS.map((heading) => markdown.indexOf(`${heading}\n`))
    for (const [index, position] of positions.entries()) {
      expect(position, SECTIONS[index]).toBeGreaterThan(-1)
    }
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(markdown).not.toContain(NOT_MEASURED)
  })

  it('gives connect p50 and p95 with their spread, and ratios to bare and plain PostgreSQL', () => {
    const connect = section(markdown, 'New connection to first query')
    expect(connect).toContain('### 0 ms added latency')
    expect(connect).toContain('### 5 ms added latency')
    // 5.71 / 5.59 (bare, direct TLS) and 5.71 / 3.34 (plain PostgreSQL, SSLRequest only).
    expect(row(connect, 'pg', 'template', 'direct TLS')).toBe(
      '| pg | template | direct TLS | 5.71 ms (5.60–5.88) | 6.62 ms (6.49–6.82) | 1.02× | 1.71× |',
    )
    expect(row(connect, 'pg', 'official connector', 'SSLRequest')).toContain(
      '| 5.95 ms (5.83–6.13) |',
    )
    expect(row(connect, 'pg', 'bare driver', 'direct TLS')).toMatch(/\| — \| 1\.67× \|$/)
    expect(row(connect, 'pg', 'plain PostgreSQL', 'SSLRequest')).toMatch(/\| 0\.57× \| — \|$/)
    const at5 = connect.slice(connect.indexOf('### 5 ms'))
    // Plain PostgreSQL was measured at 0 ms only: no ratio to it at 5 ms.
    expect(row(at5, 'pg', 'template', 'direct TLS')).toBe(
      '| pg | template | direct TLS | 25.7 ms (25.2–26.5) | 29.8 ms (29.2–30.7) | 1.00× | — |',
    )
    expect(connect).toContain(
      '![New connection to first query, p50: template, official connector, bare driver, plain PostgreSQL](connect-p50.svg)',
    )
  })

  it('calls plain PostgreSQL a reference on connect, not a ceiling, and the bare driver the floor', () => {
    const connect = section(markdown, 'New connection to first query')
    expect(connect).toContain(
      'against plain PostgreSQL with a static password, a reference and not a ceiling: PostgreSQL forks a process and runs its own TLS handshake for each new connection',
    )
    expect(connect).toContain(
      'a token signed beforehand and the same shared TLS context as the template (the floor of the auth layer)',
    )
    expect(connect).not.toContain('(the ceiling)')
  })

  it('breaks a new connection down: the steps of every connection, then those of a new provider, and both totals', () => {
    const breakdown = section(markdown, "Where a new connection's time goes")
    expect(breakdown).toContain(
      '| latency | role | cached token | TCP | TLS | auth | session | first query | new connection | credentials | signing | first connection of a new provider |',
    )
    // 0.003 + 5.23 + 7.38 + 7.24 + 0.43 + 5.49 = 25.773; 0.62 + 0.09 + 25.77 = 26.48.
    expect(row(breakdown, '5 ms added latency', 'admin')).toBe(
      '| 5 ms added latency | admin | 0.003 | 5.23 | 7.38 | 7.24 | 0.43 | 5.49 | **25.8** | 0.62 | 0.09 | **26.5** |',
    )
    expect(row(breakdown, '0 ms added latency', 'non-admin')).toContain(
      '| **5.72** | 0.62 | 0.09 | **6.43** |',
    )
    expect(breakdown).toContain(
      'all samples of all repetitions (40 per repetition, after a warm-up)',
    )
    expect(breakdown).toContain(
      "the template's token provider (a warm `createTokenProvider`) with the token cached",
    )
    expect(breakdown).toContain('`fromNodeProviderChain`')
    expect(breakdown).toContain('`DsqlSigner`')
  })

  it('gives the token step in µs and as a share of a connect, as the lower bound of a tight loop', () => {
    const token = section(markdown, 'The token step')
    expect(token).toContain('| 1.80 µs (1.76–1.85) | 4.60 µs (4.51–4.74) | 0.03% |')
    expect(token).toContain('| 2,410.0 µs (2,361.8–2,482.3) |')
    expect(token).toContain(
      'in a tight loop (warm caches, JIT-compiled code), in µs: the lower bound',
    )
    expect(token).toContain('The breakdown above times the same steps inside real connections')
  })

  it('gives ops/s as integers with their spread, p50, p99, errors and ratios at each concurrency', () => {
    const queries = section(markdown, 'Queries through a warm pool')
    expect(queries).toContain('### Point select')
    expect(queries).toContain('### Insert transaction')
    // 17,755 / 5,174 (official connector) and 17,755 / 24,110 (plain PostgreSQL).
    expect(row(queries, '10', 'pg', 'template')).toBe(
      '| 10 | pg | template | 17,755 (17,400–18,288) | 0.56 ms (0.55–0.58) | 1.58 ms (1.55–1.62) | 0 | 3.43× | 0.74× |',
    )
    expect(queries).toContain('3,000 ms per repetition after a warm-up, at 0 ms added latency.')
    expect(queries).toContain("the same driver's pool on plain PostgreSQL: the ceiling")
    expect(row(queries, '10', 'pg', 'official connector')).toMatch(/\| 0 \| — \| 0\.21× \|$/)
    // Only pg rows are held against the official connector (a pg pool).
    expect(row(queries, '10', 'Kysely', 'template')).toMatch(/\| 0 \| — \| 0\.74× \|$/)
    for (const concurrency of ['1', '10', '50'])
      row(queries, concurrency, 'postgres.js', 'template')
  })

  it('gives contention, footprint and features per driver', () => {
    // 3 of the 2,415 transactions (2,412 committed) gave up: a share, not a fault count.
    expect(row(section(markdown, 'Contention'), 'pg', 'template')).toBe(
      '| pg | template | 8 on 4 | 2,412 | 1,904 | 1,901 | 1.79 | 804 (788–828) | 0 | 3 of 2,415 (0.12%) |',
    )
    expect(row(section(markdown, 'Footprint'), 'pg', 'official connector')).toBe(
      '| pg | official connector | 243.0 ms (238.1–250.3) | 88.1 MiB (86.3–90.7) |',
    )
    expect(row(section(markdown, 'What each template weighs'), 'Kysely')).toBe(
      '| Kysely | 3.8 MiB | 15 | 48 |',
    )
  })

  it("says the contention compares two retry policies, the templates' from RETRY_DEFAULTS", () => {
    const contention = section(markdown, 'Contention')
    const { maxAttempts, baseDelayMs, maxDelayMs, maxTotalDelayMs } = RETRY_DEFAULTS
    expect(contention).toContain(
      `the templates use \`dsql-auth\`'s \`withRetry\` with \`RETRY_DEFAULTS\` (up to ${maxAttempts} attempts; waits drawn at random below ${baseDelayMs} ms, a bound that doubles with each retry up to ${formatInteger(maxDelayMs)} ms, and at most ${formatInteger(maxTotalDelayMs)} ms in all:`,
    )
    expect(contention).toContain(
      'the official connector its `pool.transaction()` with its defaults (version 0.1.9: up to 4 attempts; waits of 1 ms that double with each retry up to 100 ms, plus up to 25% at random: at most 8.75 ms before it gives up)',
    )
    expect(contention).toContain('attempts per commit and give-ups compare the two retry policies')
    expect(contention).toContain('for 3,000 ms per repetition, at 0 ms added latency.')
    expect(contention).not.toContain('LOST UPDATES')
    // Another connector version than the one the defaults were read from is said to be one.
    const newer = renderResultsMarkdown({
      ...FIXTURE_RUN,
      versions: { ...FIXTURE_RUN.versions, '@aws/aurora-dsql-node-postgres-connector': '0.2.0' },
    })
    expect(section(newer, 'Contention')).toContain(
      '(version 0.1.9; this run used 0.2.0, whose defaults may differ: up to 4 attempts',
    )
  })

  it('says LOST UPDATES loudly when a committed increment is missing', () => {
    const lost = renderResultsMarkdown({
      ...FIXTURE_RUN,
      contention: FIXTURE_RUN.contention.map((row) =>
        row.driver === 'kysely' ? { ...row, lostUpdates: 3 } : row,
      ),
    })
    const contention = section(lost, 'Contention')
    expect(contention).toContain('> **LOST UPDATES: Kysely template: 3.**')
    expect(row(contention, 'Kysely', 'template')).toContain('| **3 LOST** |')
  })

  it('marks each bar met or not met, with its detail', () => {
    const bars = section(markdown, 'Bars')
    expect(bars).toContain('3 of 4 met')
    expect(row(bars, '✅ met', 'The token step is a small share of a new connection')).toContain(
      '0.03% of the pg template',
    )
    expect(row(bars, '❌ not met', 'Direct TLS saves the SSLRequest round trip')).toContain(
      'Made up',
    )
  })

  it('says "not measured" for every section without rows, and flags a quick run', () => {
    const empty = renderResultsMarkdown(EMPTY_QUICK_FIXTURE_RUN)
    expect(empty).toContain('**Quick run**')
    for (const heading of SECTIONS.filter((title) => title.startsWith('## ')).slice(2)) {
      expect(section(empty, heading.slice(3)), heading).toContain(NOT_MEASURED)
    }
    expect(empty).not.toContain('.svg)')
  })

  it('renders a cluster run without baselines: real network, and dashes where plain PostgreSQL is missing', () => {
    const cluster = renderResultsMarkdown(CLUSTER_FIXTURE_RUN)
    expect(cluster).toContain('against a real Aurora DSQL cluster')
    const connect = section(cluster, 'New connection to first query')
    expect(connect).toContain('### Real network')
    expect(connect).not.toContain('### 5 ms')
    expect(row(connect, 'pg', 'template', 'direct TLS')).toMatch(/\| 1\.02× \| — \|$/)
    expect(row(section(cluster, 'Queries through a warm pool'), '10', 'pg', 'template')).toMatch(
      /\| 3\.43× \| — \|$/,
    )
  })

  it('is the same text for the same run', () => {
    expect(renderResultsMarkdown(structuredClone(FIXTURE_RUN))).toBe(markdown)
  })
})
