import { readFile } from 'node:fs/promises'
import type { BenchRun } from '../bench-results.ts'
import { ReportError } from './report-error.ts'

/** The `schema` this renderer reads: `BenchRun['schema']`. */
export const RUN_SCHEMA: BenchRun['schema'] = 1

const SECTIONS = [
  'connect',
  'connectBreakdown',
  'token',
  'queries',
  'contention',
  'footprint',
  'features',
  'checks',
] as const

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
 * field the report reads. `source` names the text in errors.
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
    ...expect(value, 'durationSeconds', 'a number', (field) => typeof field === 'number'),
    ...expect(value, 'settings', 'an object', isObject),
    ...SECTIONS.flatMap((section) => expect(value, section, 'an array', Array.isArray)),
  ]
  const settings = value.settings
  if (isObject(settings)) {
    problems.push(
      ...SETTINGS.flatMap((name) =>
        expect(settings, name, 'a number', (field) => typeof field === 'number', 'settings.'),
      ),
      ...expect(settings, 'latenciesMs', 'an array', Array.isArray, 'settings.'),
      ...expect(settings, 'concurrencies', 'an array', Array.isArray, 'settings.'),
      ...expect(settings, 'contention', 'an object', isObject, 'settings.'),
    )
  }
  if (problems.length > 0) {
    throw new ReportError(
      'RUN_INVALID',
      `${source} is not a complete run of schema ${RUN_SCHEMA}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\nRecord the run again with \`pnpm bench\`.`,
    )
  }
  // Checked above field by field; the rows themselves are the recorder's, of the same schema.
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
