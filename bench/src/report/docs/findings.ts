import type { BenchRun, Driver } from '../../bench-results.ts'
import { gaveUpShare } from '../gave-up-share.ts'
import {
  checkLabel,
  clientLabel,
  DRIVERS,
  driverLabel,
  latencyLabel,
  latencyPhrase,
  pooledLatencyPhrase,
} from '../labels.ts'
import { formatDecimal, formatInteger, formatMs, formatOps } from '../number-format.ts'
import { OFFICIAL_CONNECTOR_RETRY, retryPolicyBrief, TEMPLATE_RETRY } from '../retry-policies.ts'
import {
  baselineConnectRow,
  connectLatencies,
  connectRow,
  headlineConcurrency,
  preferredConnectRow,
  queryRow,
  type TlsComparison,
  tlsComparison,
} from '../run-lookup.ts'
import { capitalize, joinWords } from '../text-format.ts'

/**
 * The findings: a few sentences, each built from the run's figures, for the `findings` block of
 * the README and of `docs/driver-comparison.md`. A sentence whose figures the run lacks is left
 * out; a run without any says so.
 *
 * @example
 * ```ts
 * findingsBlock(run) // '- At 0 ms added latency the pg template opens a new connection ...'
 * ```
 */
export function findingsBlock(run: BenchRun): string {
  const sentences = [
    run.quick
      ? '**A quick run** (`pnpm bench --quick`): a smoke test of the benchmark, not a measurement.'
      : undefined,
    connectFinding(run),
    directTlsFinding(run),
    pooledFinding(run),
    contentionFinding(run),
    checksFinding(run),
  ].filter((sentence) => sentence !== undefined)
  const shown =
    sentences.length === (run.quick ? 1 : 0)
      ? [...sentences, 'No measurements in this run.']
      : sentences
  return shown.map((sentence) => `- ${sentence}`).join('\n')
}

/**
 * How `value` compares with `base` in words: `4.0% faster`, `2.1% slower`, `as fast`, for times
 * (lower is faster).
 *
 * @example
 * ```ts
 * fasterOrSlower(5.71, 5.95) // '4.0% faster'
 * ```
 */
export function fasterOrSlower(valueMs: number, baseMs: number): string {
  const change = ((valueMs - baseMs) / baseMs) * 100
  if (Math.abs(change) < 0.05) return 'as fast'
  return `${Math.abs(change).toFixed(1)}% ${change < 0 ? 'faster' : 'slower'}`
}

function connectFinding(run: BenchRun): string | undefined {
  const latencies = connectLatencies(run)
  const latencyMs = latencies[0]
  if (latencyMs === undefined) return undefined
  const template = preferredConnectRow(run, 'pg', 'template', latencyMs)
  if (template === undefined) return undefined
  const p50 = template.p50Ms.median
  const official = preferredConnectRow(run, 'pg', 'official', latencyMs)
  const bare = baselineConnectRow(run, template, 'bare')
  const postgres = baselineConnectRow(run, template, 'postgres')
  const where = latencyPhrase(run.target, latencyMs)
  let sentence = `${capitalize(where)} the pg template opens a new connection and runs its first query in ${formatMs(p50)} (p50)`
  if (official !== undefined) {
    const versus = fasterOrSlower(p50, official.p50Ms.median)
    sentence +=
      versus === 'as fast'
        ? `, as fast as the official connector`
        : `, ${versus} than the official connector (${formatMs(official.p50Ms.median)})`
  }
  const baselines = [
    {
      who: 'the bare driver with a token signed beforehand (the floor of the auth layer)',
      row: bare,
    },
    {
      who: 'plain PostgreSQL',
      row: postgres,
      note: ' (a reference, not a ceiling: it forks a process and runs its own TLS for each connection)',
    },
  ].flatMap(({ who, row, note }) =>
    row === undefined ? [] : [{ who, p50: row.p50Ms.median, note: note ?? '' }],
  )
  const baselineWords = baselines.map(
    ({ who, p50, note }, index) => `${who} ${index === 0 ? 'takes ' : ''}${formatMs(p50)}${note}`,
  )
  sentence += baselines.length === 0 ? '.' : `; ${joinWords(baselineWords)}.`
  const others = DRIVERS.filter((driver) => driver !== 'pg').flatMap((driver) => {
    const row = connectRow(run, { ...template, driver })
    return row === undefined ? [] : [{ driver, p50: row.p50Ms.median }]
  })
  const otherWords = others.map(
    ({ driver, p50 }, index) =>
      `with ${driverLabel(driver)} ${index === 0 ? 'the template takes ' : ''}${formatMs(p50)}`,
  )
  if (others.length > 0) sentence += ` ${capitalize(joinWords(otherWords))}.`
  const highest = latencies.at(-1)
  const far = highest === undefined || highest === latencyMs ? undefined : farFinding(run, highest)
  return far === undefined ? sentence : `${sentence} ${far}`
}

/**
 * The pg template against the official connector at the highest emulated latency, where each
 * round trip the connector spends more shows.
 */
function farFinding(run: BenchRun, latencyMs: number): string | undefined {
  const template = preferredConnectRow(run, 'pg', 'template', latencyMs)
  const official = preferredConnectRow(run, 'pg', 'official', latencyMs)
  if (template === undefined || official === undefined) return undefined
  const savedMs = official.p50Ms.median - template.p50Ms.median
  const roundTrip = savedMs >= latencyMs * 0.5 && savedMs <= latencyMs * 1.5
  const difference =
    savedMs >= 0
      ? `${formatMs(savedMs)}${roundTrip ? ' (about one round trip)' : ''} less`
      : `${formatMs(-savedMs)} more`
  const why =
    savedMs > 0 && template.tls === 'direct' && official.tls === 'sslrequest'
      ? ', as the template starts TLS directly where the connector sends an SSLRequest first'
      : ''
  return (
    `${capitalize(latencyPhrase(run.target, latencyMs))} the pg template takes ` +
    `${formatMs(template.p50Ms.median)} against the official connector's ` +
    `${formatMs(official.p50Ms.median)}, ${difference}${why}.`
  )
}

function directTlsFinding(run: BenchRun): string | undefined {
  const latencyMs = connectLatencies(run).at(-1)
  if (latencyMs === undefined || latencyMs === 0) return undefined
  const pairs = DRIVERS.flatMap((driver) => {
    const pair = tlsComparison(run, driver, latencyMs)
    return pair === undefined ? [] : [pair]
  })
  const [first] = pairs
  if (first === undefined) return undefined
  const saving = (pair: TlsComparison) => pair.sslRequest.p50Ms.median - pair.direct.p50Ms.median
  const saved = saving(first)
  const roundTrip =
    saved >= latencyMs * 0.5 && saved <= latencyMs * 1.5
      ? 'about one round trip'
      : `where one round trip is ${latencyMs} ms`
  const clients = [...new Set(pairs.map((pair) => pair.client))]
  const plural: Readonly<Record<TlsComparison['client'], string>> = {
    template: 'templates',
    bare: 'bare drivers',
    postgres: 'plain PostgreSQL',
  }
  const measuredWith = joinWords(clients.map((client) => plural[client]))
  const savings = joinWords(
    pairs.map((pair) => `${formatMs(saving(pair))} with ${driverLabel(pair.driver)}`),
  )
  return (
    `At ${latencyLabel(run.target, latencyMs)} per round trip, direct TLS saves a new connection ` +
    `${savings} against SSLRequest, ${roundTrip} (measured with the ${measuredWith}; ` +
    `${driverLabel(first.driver)}: ${formatMs(first.direct.p50Ms.median)} instead of ` +
    `${formatMs(first.sslRequest.p50Ms.median)}).`
  )
}

function pooledFinding(run: BenchRun): string | undefined {
  const concurrency = headlineConcurrency(run)
  if (concurrency === undefined) return undefined
  const at = (driver: Driver, client: 'template' | 'official' | 'postgres') =>
    queryRow(run, { driver, client, workload: 'point-select', concurrency })?.opsPerSecond.median
  const templates = DRIVERS.flatMap((driver) => {
    const ops = at(driver, 'template')
    return ops === undefined ? [] : [{ driver, ops }]
  })
  if (templates.length === 0) return undefined
  const parts = templates.map(({ driver, ops }) => {
    const official = driver === 'pg' ? at('pg', 'official') : undefined
    const versus =
      official === undefined
        ? ''
        : ` (${(ops / official).toFixed(2)}× the official connector's ${formatOps(official)}/s)`
    return `${formatOps(ops)}/s with the ${templateOf(driver)}${versus}`
  })
  const ceilings = DRIVERS.flatMap((driver) => {
    const ops = at(driver, 'postgres')
    return ops === undefined ? [] : [`${formatOps(ops)}/s with ${driverLabel(driver)}`]
  })
  const ceiling =
    ceilings.length === 0 ? '' : `; against plain PostgreSQL, the ceiling, ${joinWords(ceilings)}`
  return `Through a warm pool with ${concurrency} callers in flight, ${pooledLatencyPhrase(run.target)}, point selects run at ${joinWords(parts)}${ceiling}.`
}

function contentionFinding(run: BenchRun): string | undefined {
  const templates = run.contention.filter((row) => row.client === 'template')
  if (templates.length === 0) return undefined
  const attempts = templates.map((row) => row.attemptsPerCommit)
  const low = Math.min(...attempts)
  const high = Math.max(...attempts)
  const range =
    low === high ? formatDecimal(low) : `${formatDecimal(low)} to ${formatDecimal(high)}`
  const { workers, rows } = run.settings.contention
  const official = run.contention.find((row) => row.client === 'official')
  const versus =
    official === undefined
      ? ''
      : `, the official connector ${formatDecimal(official.attemptsPerCommit)} with its ` +
        `\`pool.transaction()\` defaults (${retryPolicyBrief(OFFICIAL_CONNECTOR_RETRY)})`
  const lost = run.contention.filter((row) => row.lostUpdates !== 0)
  const integrity =
    lost.length === 0
      ? 'no committed update was lost'
      : `**LOST UPDATES**: ${joinWords(lost.map((row) => `the ${driverLabel(row.driver)} ${clientLabel(row.client)} lost ${formatInteger(row.lostUpdates)}`))}, where there must be none`
  const gaveUp =
    `transactions that gave up at their helper's last attempt: ${gaveUpShare(templates)} with ` +
    `the templates${official === undefined ? '' : `, ${gaveUpShare([official])} with the official connector`}`
  const policies =
    official === undefined
      ? ''
      : ' The differences in attempts per commit and in give-ups come from the two retry policies, not only from the pools.'
  return (
    `Under contention (${workers} workers on ${rows} rows, ${pooledLatencyPhrase(run.target)}), ` +
    `the templates need ${range} attempts per commit with \`withRetry\`'s defaults ` +
    `(${retryPolicyBrief(TEMPLATE_RETRY)})${versus}; ${integrity}; ${gaveUp}.${policies}`
  )
}

function checksFinding(run: BenchRun): string | undefined {
  if (run.checks.length === 0) return undefined
  const passed = run.checks.filter((check) => check.passed).length
  const missed = run.checks
    .filter((check) => !check.passed)
    .map((check) => ` Missed: ${checkLabel(check.id)}. ${check.detail}`)
  return `${passed} of ${run.checks.length} performance bars met.${missed.join('')}`
}

function templateOf(driver: Driver): string {
  return `${driverLabel(driver)} template`
}
