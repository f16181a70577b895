import { readFile } from 'node:fs/promises'
import type { BenchRun } from '../bench-results.ts'
import { finiteNumberProblems, RUN_SECTIONS, rowProblems } from './figure-problems.ts'
import { ReportError } from './report-error.ts'

/** The `schema` this renderer reads: `BenchRun['schema']`. */
export const RUN_SCHEMA: BenchRun['schema'] = 1

const SETTINGS = [
  'repetitions',
  'connectWarmUp',
  'connectSamples',
  'tokenSamples',
  'queryWarmUpMs',
  'queryRunMs',
  'seedRows',
  'footprintProcesses',
  'footprintQueries',
] as const

/** Problems listed in one error at most; the rest are counted. */
const MAX_PROBLEMS = 12

/**
 * Reads a recorded run (`results.json`) and checks its shape, so that a missing file, a file of
 * another schema version or a damaged one fails with a message that names the file, the problem
 * and the fix, instead of a `TypeError` deep in the renderer.
 *
 * @example
 * ```ts
 * const run = await readRun('docs/bench/results.json')
 * ```
 */
export async function readRun(path: string): Promise<BenchRun> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ReportError(
        'RUN_MISSING',
        `no recorded run at ${path}: record one with \`pnpm bench\` (it writes docs/bench/results.json), or pass the path of a results.json`,
        { cause: error },
      )
    }
    throw new ReportError('RUN_INVALID', `cannot read ${path}`, { cause: error })
  }
  return parseRun(text, path)
}

/**
 * Parses the text of a recorded run and checks its shape: the schema version first, then every
 * field the report reads, down to each figure of each row, which must be a finite number (a NaN
 * or Infinity of the recorder arrives as `null`: such a run is refused with the field's path).
 * The errors list at most a dozen problems. `source` names the text in errors.
 *
 * @example
 * ```ts
 * const run = parseRun(await readFile(path, 'utf8'), path)
 * ```
 */
export function parseRun(text: string, source: string): BenchRun {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ReportError(
      'RUN_INVALID',
      `${source} is not JSON (${error instanceof Error ? error.message : 'parse error'}): record the run again with \`pnpm bench\``,
      { cause: error },
    )
  }
  if (!isObject(value)) {
    throw new ReportError(
      'RUN_INVALID',
      `${source} holds no object: it is not a results.json written by \`pnpm bench\``,
    )
  }
  if (value.schema !== RUN_SCHEMA) {
    const found =
      value.schema === undefined ? 'no schema field' : `schema ${JSON.stringify(value.schema)}`
    throw new ReportError(
      'RUN_SCHEMA',
      `${source} has ${found}, but this renderer reads schema ${RUN_SCHEMA}: record the run again with \`pnpm bench\`, or render it with the version of the repository that recorded it`,
    )
  }
  const problems = [
    ...expect(value, 'date', 'a string', (field) => typeof field === 'string'),
    ...expect(
      value,
      'source',
      'an object { commit, dirty }: the git commit that recorded the run and whether its work tree had uncommitted changes (a run recorded before they were kept lacks it)',
      isObject,
    ),
    ...expect(value, 'quick', 'true or false', (field) => typeof field === 'boolean'),
    ...expect(
      value,
      'target',
      '"dsql-local" or "cluster"',
      (field) => field === 'dsql-local' || field === 'cluster',
    ),
    ...expect(value, 'machine', 'an object', isObject),
    ...expect(value, 'node', 'a string', (field) => typeof field === 'string'),
    ...expect(value, 'versions', 'an object', isObject),
    ...finiteNumberProblems(value, ['durationSeconds'], ''),
    ...expect(value, 'settings', 'an object', isObject),
    ...RUN_SECTIONS.flatMap((section) => expect(value, section, 'an array', Array.isArray)),
  ]
  const { source: recordedFrom, settings } = value
  if (isObject(recordedFrom)) {
    problems.push(
      ...expect(
        recordedFrom,
        'commit',
        'a string',
        (field) => typeof field === 'string',
        'source.',
      ),
      ...expect(
        recordedFrom,
        'dirty',
        'true or false',
        (field) => typeof field === 'boolean',
        'source.',
      ),
    )
  }
  if (isObject(settings)) {
    problems.push(
      ...finiteNumberProblems(settings, SETTINGS, 'settings.'),
      ...expect(settings, 'latenciesMs', 'an array', Array.isArray, 'settings.'),
      ...expect(settings, 'concurrencies', 'an array', Array.isArray, 'settings.'),
      ...expect(settings, 'contention', 'an object', isObject, 'settings.'),
    )
  }
  for (const section of RUN_SECTIONS) {
    const rows = value[section]
    if (Array.isArray(rows)) problems.push(...rowProblems(section, rows))
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS)
    const more =
      problems.length > shown.length ? `\n  - and ${problems.length - shown.length} more` : ''
    throw new ReportError(
      'RUN_INVALID',
      `${source} is not a complete run of schema ${RUN_SCHEMA}:\n${shown.map((problem) => `  - ${problem}`).join('\n')}${more}\nRecord the run again with \`pnpm bench\`.`,
    )
  }
  // Checked above field by field, figure by figure; the rest of each row is the recorder's.
  return value as unknown as BenchRun
}

function expect(
  object: Record<string, unknown>,
  name: string,
  what: string,
  test: (field: unknown) => boolean,
  prefix = '',
): string[] {
  return test(object[name]) ? [] : [`${prefix}${name} should be ${what}`]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
