/**
 * The errors `dsql-auth` raises. Each has a fixed `name`, a machine-readable `code`, and keeps
 * the error it stems from as `cause`. No message ever contains a token, a password or a secret key,
 * and a configuration value appears in a message only when it is a number, a region name or a plain
 * host name: anything else (a URL with user info, a secret pasted into the wrong variable) is
 * described, not shown.
 *
 * @example
 * ```ts
 * try {
 *   loadConfig()
 * } catch (error) {
 *   if (error instanceof DsqlConfigError) console.error(error.message) // every problem, one per line
 * }
 * ```
 * @module
 */

/** One invalid or missing configuration value. */
export interface ConfigProblem {
  /** The environment variable (or option) at fault, e.g. `DB_PORT`. */
  readonly variable: string
  /** What is wrong, e.g. `must be a whole number from 1 to 65535, got "70000"`. */
  readonly problem: string
  /** A value that would be accepted, e.g. `5432`. */
  readonly example: string
}

/**
 * The configuration is missing a value or has a bad one. `problems` lists every problem found,
 * not only the first; the message has one line per problem.
 */
export class DsqlConfigError extends Error {
  override readonly name = 'DsqlConfigError'
  readonly code = 'DSQL_CONFIG_INVALID'
  readonly problems: readonly ConfigProblem[]

  constructor(problems: readonly ConfigProblem[], options?: ErrorOptions) {
    const lines = problems.map((p) => `  - ${p.variable} ${p.problem} (for example ${p.example})`)
    const noun = problems.length === 1 ? 'problem' : 'problems'
    super(
      `Invalid Aurora DSQL configuration, ${problems.length} ${noun}:\n${lines.join('\n')}`,
      options,
    )
    this.problems = Object.freeze([...problems])
  }
}

/**
 * An IAM auth token could not be generated: credentials could not be resolved, or signing failed.
 * The original error is kept as `cause`.
 */
export class DsqlAuthError extends Error {
  override readonly name = 'DsqlAuthError'
  readonly code = 'DSQL_AUTH_FAILED'
}

/**
 * A unit of work kept failing with optimistic-concurrency conflicts until the retry budget ran out.
 * `cause` is the last conflict error; `attempts` says how many times the work ran.
 */
export class DsqlRetryError extends Error {
  override readonly name = 'DsqlRetryError'
  readonly code = 'DSQL_RETRY_EXHAUSTED'
  readonly attempts: number

  constructor(message: string, attempts: number, options: ErrorOptions) {
    super(message, options)
    this.attempts = attempts
  }
}
