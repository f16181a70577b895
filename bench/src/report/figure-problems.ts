/**
 * Which figures of a recorded run must be finite numbers, and what is wrong with those that are
 * not: JSON has no NaN or Infinity and writes both as `null`, so a figure that went wrong while
 * recording arrives as `null`, and would otherwise show as a dash or a misleading zero.
 * @module
 */

/** The figures of one section's rows that must be finite numbers. */
interface RowFigures {
  /** Plain numbers; a dotted path for a nested one. */
  readonly numbers?: readonly string[]
  /** Spreads: `median`, `min`, `max` and every one of `runs`. */
  readonly spreads?: readonly string[]
  /** Numbers that may be `null` (NaN when recorded), read back as NaN and shown as `—`. */
  readonly optional?: readonly string[]
}

/**
 * The figures of each section's rows that the report reads. Each must be a finite number: JSON
 * has no NaN or Infinity and writes them as `null`, so a figure that went wrong while recording
 * arrives as `null`.
 */
const ROW_FIGURES = {
  connect: { numbers: ['latencyMs', 'samples'], spreads: ['p50Ms', 'p95Ms'] },
  connectBreakdown: {
    numbers: [
      'latencyMs',
      'samples',
      'parts.credentialsMs',
      'parts.tokenMs',
      'parts.cachedTokenMs',
      'parts.tcpMs',
      'parts.tlsMs',
      'parts.authMs',
      'parts.sessionMs',
      'parts.firstQueryMs',
      'totalMs',
      'coldTotalMs',
    ],
  },
  // The share is NaN when the run has no pg template connect p50 to hold the token against.
  token: { spreads: ['p50Us', 'p99Us'], optional: ['shareOfConnectPercent'] },
  queries: { numbers: ['concurrency', 'errors'], spreads: ['opsPerSecond', 'p50Ms', 'p99Ms'] },
  contention: {
    numbers: [
      'workers',
      'rows',
      'commits',
      'conflicts',
      'retries',
      'attemptsPerCommit',
      'lostUpdates',
      'gaveUp',
    ],
    spreads: ['commitsPerSecond'],
  },
  footprint: { spreads: ['coldStartMs', 'peakRssMiB'] },
  features: { numbers: ['installKiB', 'packages', 'dsqlLines'] },
  checks: {},
} as const satisfies Record<string, RowFigures>

/**
 * The sections of a run that hold rows, in the order of `BenchRun`.
 *
 * @example
 * ```ts
 * for (const section of RUN_SECTIONS) console.log(section, run[section].length)
 * ```
 */
export const RUN_SECTIONS = Object.freeze(Object.keys(ROW_FIGURES) as (keyof typeof ROW_FIGURES)[])

/**
 * What is wrong with the rows of one section of a parsed run: a row that is no object, or a figure
 * the report reads that is not a finite number, each named by its path
 * (`connectBreakdown[0].parts.cachedTokenMs`). An optional figure recorded as `null` is set to NaN
 * in place, as the recorder had it.
 *
 * @example
 * ```ts
 * rowProblems('connect', [{ latencyMs: 0, samples: null }]) // ['connect[0].samples should be ...', ...]
 * ```
 */
export function rowProblems(
  section: (typeof RUN_SECTIONS)[number],
  rows: readonly unknown[],
): string[] {
  const figures: RowFigures = ROW_FIGURES[section]
  return rows.flatMap((row, index) => {
    const at = `${section}[${index}].`
    if (!isObject(row)) return [`${section}[${index}] should be an object`]
    for (const name of figures.optional ?? []) if (row[name] === null) row[name] = Number.NaN
    return [
      ...finiteNumberProblems(row, figures.numbers ?? [], at),
      ...(figures.optional ?? []).flatMap((name) =>
        Number.isNaN(row[name]) ? [] : finiteNumberProblems(row, [name], at),
      ),
      ...(figures.spreads ?? []).flatMap((name) => spreadProblems(row[name], `${at}${name}`)),
    ]
  })
}

/** What is wrong with a `Spread` at `path`: not an object, or a figure in it not finite. */
function spreadProblems(spread: unknown, path: string): string[] {
  if (!isObject(spread)) return [`${path} should be an object { median, min, max, runs }`]
  const runs = spread.runs
  return [
    ...finiteNumberProblems(spread, ['median', 'min', 'max'], `${path}.`),
    ...(Array.isArray(runs)
      ? runs.flatMap((run, index) => finiteProblem(run, `${path}.runs[${index}]`))
      : [`${path}.runs should be an array`]),
  ]
}

/**
 * What is wrong with the numbers at `paths` (dotted for nested fields) of `object`: each must be
 * finite; a `null` is said to be a NaN or Infinity of the recorder. Each problem names `prefix`
 * and the path.
 *
 * @example
 * ```ts
 * finiteNumberProblems(run.settings, ['repetitions'], 'settings.') // [] when it is a number
 * ```
 */
export function finiteNumberProblems(
  object: Record<string, unknown>,
  paths: readonly string[],
  prefix: string,
): string[] {
  return paths.flatMap((path) => {
    let field: unknown = object
    for (const key of path.split('.')) field = isObject(field) ? field[key] : undefined
    return finiteProblem(field, `${prefix}${path}`)
  })
}

function finiteProblem(field: unknown, path: string): string[] {
  if (typeof field === 'number' && Number.isFinite(field)) return []
  if (field === null) {
    return [
      `${path} should be a finite number but is null: it was NaN or Infinity when recorded (JSON writes both as null)`,
    ]
  }
  return [
    `${path} should be a finite number, found ${field === undefined ? 'nothing' : JSON.stringify(field)}`,
  ]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
