import type { BenchRun, ContentionResult } from '../../bench-results.ts'
import { chartImage } from '../chart-files.ts'
import { gaveUpShare } from '../gave-up-share.ts'
import {
  byOrder,
  CLIENTS,
  clientLabel,
  DRIVERS,
  driverLabel,
  pooledLatencyPhrase,
} from '../labels.ts'
import { markdownTable } from '../markdown-table.ts'
import { formatDecimal, formatInteger, formatSpreadOps } from '../number-format.ts'
import { OFFICIAL_CONNECTOR_RETRY, retryPolicyWords, TEMPLATE_RETRY } from '../retry-policies.ts'
import { joinWords } from '../text-format.ts'
import { reportSection } from './report-section.ts'

/** The versions key of the official connector in `BenchRun['versions']`. */
const CONNECTOR_PACKAGE = '@aws/aurora-dsql-node-postgres-connector'

/**
 * The contention section of `results.md`: workers doing read-modify-write on a few shared rows,
 * each transaction retried on conflicts by its client's retry helper with that helper's defaults
 * (see `retry-policies.ts`), per driver: commits, conflicts, attempts per commit, commits per
 * second, lost updates (must be 0; a loud warning when not) and the share of transactions that
 * gave up at their helper's last attempt.
 *
 * @example
 * ```ts
 * contentionSection(run) // '## Contention\n\n...'
 * ```
 */
export function contentionSection(run: BenchRun): string {
  const { contention } = run.settings
  const recorded = run.versions[CONNECTOR_PACKAGE]
  const connectorVersion =
    recorded === undefined || recorded === OFFICIAL_CONNECTOR_RETRY.version
      ? OFFICIAL_CONNECTOR_RETRY.version
      : `${OFFICIAL_CONNECTOR_RETRY.version}; this run used ${recorded}, whose defaults may differ`
  const intro =
    `${contention.workers} workers each read a row of ${contention.rows}, add one and write it ` +
    `back in a transaction retried on conflicts, for ${formatInteger(contention.runMs)} ms per ` +
    `repetition, ${pooledLatencyPhrase(run.target)}. Two retry helpers do the retrying, each with ` +
    'its own defaults, so attempts per commit and give-ups compare the two retry policies as much ' +
    "as the pools: the templates use `dsql-auth`'s `withRetry` with `RETRY_DEFAULTS` " +
    `(${retryPolicyWords(TEMPLATE_RETRY)}); the official connector its \`pool.transaction()\` ` +
    `with its defaults (version ${connectorVersion}: ${retryPolicyWords(OFFICIAL_CONNECTOR_RETRY)}). ` +
    '*Conflicts*: attempts that met SQLSTATE 40001; *retries*: those started again; *lost ' +
    "updates*: increments committed but missing from the rows' sum, must be 0; *gave up*: " +
    "transactions still in conflict at their helper's last attempt, out of all transactions: a " +
    "policy's limit reached under deliberate contention, not a fault."
  const rows = [...run.contention].sort(
    (a, b) => byOrder(DRIVERS, a.driver, b.driver) || byOrder(CLIENTS, a.client, b.client),
  )
  if (rows.length === 0) return reportSection('Contention', intro, undefined)
  const table = markdownTable(
    [
      { heading: 'driver' },
      { heading: 'client' },
      { heading: 'workers on rows' },
      { heading: 'commits', align: 'right' },
      { heading: 'conflicts', align: 'right' },
      { heading: 'retries', align: 'right' },
      { heading: 'attempts per commit', align: 'right' },
      { heading: 'commits/s', align: 'right' },
      { heading: 'lost updates', align: 'right' },
      { heading: 'gave up', align: 'right' },
    ],
    rows.map((row) => [
      driverLabel(row.driver),
      clientLabel(row.client),
      `${row.workers} on ${row.rows}`,
      formatInteger(row.commits),
      formatInteger(row.conflicts),
      formatInteger(row.retries),
      formatDecimal(row.attemptsPerCommit),
      formatSpreadOps(row.commitsPerSecond),
      row.lostUpdates === 0 ? '0' : `**${formatInteger(row.lostUpdates)} LOST**`,
      gaveUpShare([row]),
    ]),
  )
  const warning = lostUpdatesWarning(rows)
  return reportSection(
    'Contention',
    intro,
    [...(warning === undefined ? [] : [warning]), table, chartImage('contention', '')].join('\n\n'),
  )
}

/** A loud line for rows that lost committed updates; `undefined` when none did. */
function lostUpdatesWarning(rows: readonly ContentionResult[]): string | undefined {
  const lost = rows.filter((row) => row.lostUpdates !== 0)
  if (lost.length === 0) return undefined
  const who = lost.map(
    (row) =>
      `${driverLabel(row.driver)} ${clientLabel(row.client)}: ${formatInteger(row.lostUpdates)}`,
  )
  return (
    `> **LOST UPDATES: ${joinWords(who)}.** Increments were committed but are missing from the ` +
    "rows' sum: a correctness failure, whatever the figures beside it."
  )
}
